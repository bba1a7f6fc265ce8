"""The validation report (tools/validation_report.py) runs and names every dataset it plots."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from . import cases
from .conftest import ARTIFACTS

ROOT = Path(__file__).resolve().parents[2]


def test_report_writes_html_with_every_dataset(comparisons):
    pytest.importorskip("bokeh")
    spec = importlib.util.spec_from_file_location("validation_report", ROOT / "tools" / "validation_report.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules["validation_report"] = mod
    spec.loader.exec_module(mod)
    out = ARTIFACTS / "validation_report.html"
    table = mod.build(out)
    assert out.exists() and out.stat().st_size > 10_000
    text = out.read_text(encoding="utf-8")
    assert "cdn.bokeh.org" not in text  # inline resources: opens offline
    for name in comparisons:
        assert name in text or name.replace("|", "&#124;") in text, name
        assert name[:52] in table
