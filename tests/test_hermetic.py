"""The test session never touches the developer's own files (issue 25): this process, a child process and a
Voila server's kernel all see HOME, the XDG folders and PRESSBOOK_DB under the session's temporary folder, and
the pellet log pressbook opens by default (no PRESSBOOK_DB) is there too (tests/hermetic.py, the autouse
``hermetic_home`` fixture of tests/conftest.py)."""
from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
from contextlib import redirect_stdout
from io import StringIO
from pathlib import Path

import hermetic
import nbformat
import pytest
import requests

#: what a process reports: its user folders, its pellet-log URL and the default log (PRESSBOOK_DB unset)
REPORT = """
import json, os
from pathlib import Path
from pressbook.lab.lablog import store
names = ["HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "IPYTHONDIR", "PRESSBOOK_DB"]
report = {n: os.environ.get(n, "") for n in names}
report.update(home=str(Path.home()), expanded=os.path.expanduser("~"), url=store.database_url(),
              default=str(store.default_path()))
print("HERMETIC" + json.dumps(report).replace('"', "'"))
"""


def _check(report: dict, root: Path) -> None:
    """Every path of ``report`` lies under ``root``; the log URL is the session's PRESSBOOK_DB."""
    for name, value in report.items():
        path = Path(value.removeprefix("sqlite:///"))
        assert path.is_absolute() and path.resolve().is_relative_to(root.resolve()), \
            f"{name} = {value} not under {root}"
    assert report["url"] == f"sqlite:///{Path(report['PRESSBOOK_DB']).resolve()}"
    assert Path(report["default"]) == Path(report["XDG_DATA_HOME"]) / "pressbook" / "pellets.sqlite"


def _parse(text: str) -> dict:
    found = re.search(r"HERMETIC(\{[^}]*\})", html.unescape(text))  # a Voila page escapes its outputs
    assert found, text[-2000:]
    return json.loads(found.group(1).replace("\\/", "/").replace("'", '"'))


@pytest.fixture
def root(tmp_path_factory) -> Path:
    return tmp_path_factory.getbasetemp()


def test_this_process_uses_the_session_folders(hermetic_home, root):
    buffer = StringIO()
    with redirect_stdout(buffer):
        exec(REPORT, {})  # the same report as the child processes below give
    _check(_parse(buffer.getvalue()), root)
    assert set(hermetic_home) == {*hermetic.FOLDERS, "PRESSBOOK_DB"}
    for name in hermetic.DROPPED:
        assert name not in os.environ, name


def test_the_developers_home_is_not_the_tests_home(root):
    """The session's HOME is a new folder, not the one pytest was started with."""
    developer_home = hermetic.DEVELOPER_ENV.get("HOME")
    assert developer_home and Path(developer_home).resolve() != Path.home().resolve()
    assert not Path(developer_home).resolve().is_relative_to(root.resolve())


def test_a_child_process_inherits_the_session_folders(root):
    r = subprocess.run([sys.executable, "-c", REPORT], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    _check(_parse(r.stdout), root)


def test_the_default_pellet_log_of_a_child_is_under_the_session_folder(root):
    """Without PRESSBOOK_DB (as a developer's shell has it) the log a process opens is the session's default."""
    env = dict(os.environ)
    del env["PRESSBOOK_DB"]
    code = "from pressbook.lab.lablog import store; print(store.database_url())"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env)
    assert r.returncode == 0, r.stderr
    log = Path(r.stdout.strip().removeprefix("sqlite:///"))
    assert log == Path(os.environ["XDG_DATA_HOME"]).resolve() / "pressbook" / "pellets.sqlite"
    assert log.is_relative_to(root.resolve())


def test_a_voila_kernel_uses_the_session_folders(voila, tmp_path, root):
    """A Voila server started by the ``voila`` fixture passes the session's folders on to its kernels."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(REPORT)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / "report.ipynb"
    nbformat.write(nb, path)
    page = requests.get(voila(path), timeout=120)
    page.raise_for_status()
    _check(_parse(page.text), root)
