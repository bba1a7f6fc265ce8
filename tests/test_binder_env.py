"""The Binder environment: binder/requirements.txt installs into a fresh virtual environment and runs
every notebook in notebooks/ headless (no errors, no warnings in the outputs).

The install test copies the repository (as repo2docker does) to a temporary folder, creates a venv with
this interpreter, runs ``pip install -r binder/requirements.txt`` from the copy's root (pins from PyPI;
about 1.5-3 min on 2 busy cores with pip's cache warm) and executes each notebook with nbclient
inside that venv, from the notebook's folder (as Voila does). Marked ``notebook``; it runs in CI
(``--no-compile`` only skips writing .pyc files at install time; what is installed is the same).
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hermetic import package_tool_env

ROOT = Path(__file__).resolve().parents[1]
BINDER = ROOT / "binder"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==([^\s;#]+)")


def pins(path: Path) -> dict[str, str]:
    out = {}
    for line in path.read_text().splitlines():
        m = PIN.match(line.strip())
        if m:
            out[m.group(1).lower().replace("_", "-")] = m.group(2)
    return out


# ---------------------------------------------------------------------- fast checks of the files
def test_requirements_are_pinned_and_agree_with_constraints():
    req = pins(BINDER / "requirements.txt")
    con = pins(BINDER / "constraints.txt")
    for name in ("voila", "jupyterlab", "ipywidgets", "bokeh", "jupyter-bokeh", "pint", "numpy", "scipy"):
        assert name in req, f"{name} is not pinned in binder/requirements.txt"
    differ = {n: (v, con[n]) for n, v in req.items() if n in con and con[n] != v}
    assert not differ, f"binder/requirements.txt and binder/constraints.txt disagree: {differ}"
    lines = [l.split("#")[0].strip() for l in (BINDER / "requirements.txt").read_text().splitlines()]
    reqs = [l for l in lines if l]
    unpinned = [l for l in reqs if not PIN.match(l) and l not in ("-e .", ".")]
    assert not unpinned, f"unpinned requirements: {unpinned}"
    assert "-e ." in reqs or "." in reqs, "the package itself must be installed (-e . from the repository root)"


def test_runtime_python_matches_the_pins():
    runtime = (BINDER / "runtime.txt").read_text().strip()
    assert re.fullmatch(r"python-3\.1[1-9]", runtime), runtime  # numpy 2.4 / scipy 1.17 need Python >= 3.11


def test_every_notebook_is_thin_and_has_a_kernelspec():
    import nbformat

    assert NOTEBOOKS, "no notebooks in notebooks/"
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        assert nb.metadata.get("kernelspec", {}).get("name") == "python3", path.name
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert sum(len(c.source.splitlines()) for c in code) <= 60, f"{path.name}: keep the logic in pressbook/"


# ---------------------------------------------------------------------- the fresh environment
RUNNER = textwrap.dedent('''
    import json, sys, warnings
    import nbformat
    from nbclient import NotebookClient
    results = {}
    for path in sys.argv[1:]:
        nb = nbformat.read(path, as_version=4)
        problems = []
        try:
            NotebookClient(nb, timeout=300, kernel_name="python3",
                           resources={"metadata": {"path": path.rsplit("/", 1)[0]}}).execute()
        except Exception as exc:
            problems.append(f"execution failed: {type(exc).__name__}: {str(exc)[-1500:]}")
        for i, cell in enumerate(nb.cells):
            for out in cell.get("outputs", []):
                kind = out.get("output_type")
                if kind == "error":
                    problems.append(f"cell {i}: error {out.get('ename')}: {out.get('evalue')}")
                elif kind == "stream":
                    if out.get("name") == "stderr" or "Warning" in out.get("text", ""):
                        problems.append(f"cell {i}: {out.get('name')}: {out.get('text', '')[:500]}")
                else:
                    text = str(out.get("data", {}).get("text/plain", ""))
                    if "Warning" in text or "Traceback" in text:
                        problems.append(f"cell {i}: {text[:500]}")
        results[path] = problems
    print(json.dumps(results))
''')


@pytest.fixture(scope="module")
def binder_venv(tmp_path_factory):
    """A copy of the repository and a fresh venv with binder/requirements.txt installed from its root."""
    base = tmp_path_factory.mktemp("binder")
    repo = base / "repo"
    shutil.copytree(ROOT, repo, ignore=shutil.ignore_patterns(  # also what the other test worker is writing
        ".venv", ".git", "test-artifacts", "__pycache__", "*.egg-info", "build", ".pytest_cache", ".hypothesis",
        ".ipynb_checkpoints", "node_modules"))
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    py = venv / "bin" / "python"
    env = package_tool_env(PIP_DISABLE_PIP_VERSION_CHECK="1")  # the developer's pip settings (their index)
    env.pop("PYTHONPATH", None)
    proc = subprocess.run([str(py), "-m", "pip", "install", "-q", "--no-compile", "-r", "binder/requirements.txt"], cwd=repo, env=env,
                          capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, f"pip install -r binder/requirements.txt failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return repo, venv


@pytest.mark.notebook
def test_binder_requirements_install_with_the_pinned_versions(binder_venv):
    repo, venv = binder_venv
    proc = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "list", "--format=json"], capture_output=True,
                          text=True, check=True)
    installed = {p["name"].lower().replace("_", "-"): p["version"] for p in json.loads(proc.stdout)}
    for name, version in pins(repo / "binder" / "requirements.txt").items():
        assert installed.get(name) == version, f"{name}: installed {installed.get(name)}, pinned {version}"
    assert "pressbook" in installed
    check = subprocess.run([str(venv / "bin" / "python"), "-c",
                            "import pressbook, voila, jupyter_bokeh, ipywidgets; print(pressbook.__file__)"],
                           capture_output=True, text=True, cwd=venv)
    assert check.returncode == 0, check.stderr
    assert check.stdout.strip().startswith(str(repo)), "pressbook must come from the repository copy (-e .)"
    # Binder serves the designer through Voila's server extension
    ext = venv / "etc" / "jupyter" / "jupyter_server_config.d" / "voila.json"
    assert ext.is_file() and "voila.server_extension" in ext.read_text()


@pytest.mark.notebook
def test_every_notebook_runs_in_the_binder_environment(binder_venv, tmp_path):
    repo, venv = binder_venv
    notebooks = sorted((repo / "notebooks").glob("*.ipynb"))
    assert notebooks
    runner = tmp_path / "run_notebooks.py"
    runner.write_text(RUNNER)
    env = dict(os.environ, JUPYTER_PLATFORM_DIRS="1", PATH=f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
               JUPYTER_CONFIG_DIR=str(tmp_path / "jupyter-config"), JUPYTER_DATA_DIR=str(tmp_path / "jupyter-data"),
               IPYTHONDIR=str(tmp_path / "ipython"), MPLBACKEND="agg",
               PRESSBOOK_DB=str(tmp_path / "pellets.sqlite"))   # lab_log.ipynb: not the user's own log
    env.pop("PYTHONPATH", None)
    env.pop("JUPYTER_PATH", None)
    proc = subprocess.run([str(venv / "bin" / "python"), str(runner), *map(str, notebooks)], cwd=repo, env=env,
                          capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads(proc.stdout.strip().splitlines()[-1])
    bad = {Path(k).name: v for k, v in results.items() if v}
    assert not bad, json.dumps(bad, indent=1)
