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


def test_report_lists_every_constants_provenance_and_the_joint_residuals():
    """Issue 23: for each constant its source or the joint fit; for each calibration dataset its residual."""
    spec = importlib.util.spec_from_file_location("validation_report_p", ROOT / "tools" / "validation_report.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    text = mod.provenance_table()
    row = [l for l in text.splitlines() if l.startswith("Li6PS5Cl ") and "ionic_conductivity" in l][0]
    assert "joint calibration v3" in row
    assert any(l.startswith("Li") and l.rstrip().endswith("estimate") for l in text.splitlines())
    assert "Cronau 2021 SI uC-Li6PS5Cl" in text and "rms ln" in text

