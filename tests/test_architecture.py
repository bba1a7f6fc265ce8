"""The layout's import rules (import-linter contracts in pyproject.toml) hold, and each contract really
catches the import it forbids: a copy of the package with one forbidden import added breaks it."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT = Path(sys.executable).with_name("lint-imports")
pytestmark = pytest.mark.skipif(not LINT.exists(), reason="import-linter is not installed (pip install '.[test]')")


def lint(where: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(where)}
    return subprocess.run([str(LINT), "--config", str(where / "pyproject.toml"), "--no-cache"], cwd=where, env=env,
                          capture_output=True, text=True, timeout=300)


def test_the_package_keeps_every_contract():
    out = lint(ROOT)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "5 kept, 0 broken" in out.stdout


@pytest.mark.parametrize("module, line, contract", [
    ("views/columns.py", "import bokeh.plotting", "Only pressbook.apps imports widgets"),
    ("lab/press.py", "import ipywidgets", "Only pressbook.apps imports widgets"),
    ("models/transport.py", "from .. import materials", "The models import nothing of pressbook"),
    ("simulate.py", "from .lab import press", "The core imports none of lab"),
    ("teaching/text.py", "from ..apps.designer import query", "lab, explore, teaching and the command line import no app"),
    ("lab/lablog/stats.py", "from ...apps import common", "lab, explore, teaching and the command line import no app"),
    ("lab/calibrate.py", "import sqlalchemy", "Only the pellet log (pressbook.lab.lablog) imports the database packages"),
])
def test_a_forbidden_import_breaks_its_contract(tmp_path, module, line, contract):
    shutil.copytree(ROOT / "pressbook", tmp_path / "pressbook", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    target = tmp_path / "pressbook" / module
    target.write_text(target.read_text() + f"\n{line}  # added by the test\n")
    out = lint(tmp_path)
    assert out.returncode == 1, out.stdout + out.stderr
    broken = [l for l in out.stdout.splitlines() if l.endswith(" BROKEN")]
    assert any(l.startswith(contract) for l in broken), out.stdout
    assert str(tmp_path) in out.stdout or module.replace("/", ".").removesuffix(".py") in out.stdout
