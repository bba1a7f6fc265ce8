"""The designer notebook run cell by cell in JupyterLab (README: "or run all cells in JupyterLab").

BokehJS is published as ``application/javascript`` only (pressbook.apps.common.load_bokehjs), which
JupyterLab must run for the figures to appear; the figures are FigureWidgets (jupyter_bokeh models).
"""
import os
import shutil
import socket
import subprocess
import sys
import time

import pytest
from harness import ROOT, snap

pytestmark = pytest.mark.browser

MAX_PRESSURE = """(name) => { for (const d of Bokeh.documents) for (const m of d.all_models)
  if (m.type === 'ColumnDataSource' && m.name === name) {
    const v = m.data instanceof Map ? m.data.get('pressure') : m.data.pressure; return Math.max(...v); }
  return null; }"""


@pytest.fixture
def lab(tmp_path):
    """A JupyterLab server (no token, loopback only) on a folder holding a copy of the designer."""
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(ROOT / "notebooks" / "designer.ipynb", work)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, JUPYTER_PLATFORM_DIRS="1", JUPYTER_CONFIG_DIR=str(tmp_path / "cfg"),
               JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"))
    log = open(tmp_path / "lab.log", "w")
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", "--ServerApp.port_retries=0",
           "--ServerApp.ip=127.0.0.1", "--IdentityProvider.token=", "--ServerApp.password=",
           f"--ServerApp.root_dir={work}"] + (["--allow-root"] if os.geteuid() == 0 else [])
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.2)
    yield f"http://127.0.0.1:{port}/"
    try:
        os.killpg(proc.pid, 9)
    except ProcessLookupError:
        pass
    proc.wait()
    log.close()


def test_designer_runs_in_jupyterlab(lab, browser):
    from pressbook.apps.designer.app import build_designer

    app = build_designer()  # the same design in this process: what the page must show
    before = max(app.figures.sources["points"].data["pressure"])
    app.state.set_field("steps.3.pressure", 480.0)
    after = max(app.figures.sources["points"].data["pressure"])
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(lab + "lab/tree/designer.ipynb", timeout=90_000)
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90_000)
        page.get_by_text("| Idle").wait_for(timeout=90_000)  # the kernel is up
        page.locator(".jp-Cell").first.click()
        for _ in range(3):
            page.keyboard.press("Shift+Enter")
        page.wait_for_function("() => window.Bokeh && Bokeh.documents.length >= 4", timeout=90_000)
        page.locator(".pb-fig-compaction canvas").first.wait_for(timeout=30_000)
        assert page.evaluate(MAX_PRESSURE, "pb-points") == pytest.approx(before, rel=1e-9)
        assert page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.error']").count() == 0

        box = page.locator(".pb-step-3 .pb-step-pressure input")
        box.fill("480")
        box.press("Enter")
        page.wait_for_function(f"() => Math.abs(({MAX_PRESSURE})('pb-points') - {after}) < 1e-6", timeout=30_000)
        snap(page, "designer-jupyterlab")
        assert errors == []
    finally:
        context.close()
