"""The serving stack and the browser-test harness work: Voila + ipywidgets +
jupyter_bokeh in Chromium, with both shipped Voila configs (app and class)."""

from pathlib import Path

import nbformat
import pytest
from harness import error_outputs, kernel_errors, open_app, snap
from nbformat.v4 import new_code_cell, new_notebook
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

SMOKE = Path(__file__).with_name("smoke.ipynb")

# y values of the smoke figure's ColumnDataSource, read from BokehJS in the page.
BOKEH_Y = """() => {
  for (const doc of (window.Bokeh ? Bokeh.documents : []))
    for (const m of doc.all_models)
      if (m.type === 'ColumnDataSource') {
        const y = m.data instanceof Map ? m.data.get('y') : m.data.y;  // Map or plain object
        if (y) return Array.from(y);
      }
  return null;
}"""


@pytest.mark.parametrize("config", ["app", "class"])
def test_smoke_app_loads_and_reacts(voila, page, config):
    # with preheated kernels (class), open the page once the pool is ready, as a class would
    url = voila(SMOKE, config=config, wait_for="Kernel pool of smoke.ipynb is filled" if config == "class" else None)
    open_app(page, url + "?design=smoke&n=1")
    assert error_outputs(page) == []

    expect(page.locator("canvas").first).to_be_visible()
    # the URL query reaches the kernel (preheated kernels too, via wait_for_request)
    expect(page.locator(".smoke-query")).to_have_text("query: design=smoke&n=1")
    assert page.evaluate(BOKEH_Y) == [0, 5, 10]

    handle = page.locator(".noUi-handle").first
    handle.focus()
    handle.press("ArrowRight")  # one step: 1.0 -> 1.5
    expect(page.locator(".smoke-readout")).to_have_text("slope = 1.50")
    page.wait_for_function(f"() => JSON.stringify(({BOKEH_Y})()) === '[0,7.5,15]'")

    snap(page, f"smoke-{config}")
    assert error_outputs(page) == []


def test_error_outputs_reports_errors(voila, page, tmp_path):
    """The harness sees a failing cell and an exception in a widget callback."""
    nb = new_notebook(
        cells=[
            new_code_cell(
                "import ipywidgets as w\n"
                "s = w.IntSlider(description='boom')\n"
                "def fail(change):\n"
                "    raise RuntimeError('callback failed')\n"
                "s.observe(fail, names='value')\n"
                "s"
            ),
            new_code_cell("1 / 0"),
        ],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    )
    path = tmp_path / "broken.ipynb"
    nbformat.write(nb, path)

    open_app(page, voila(path))
    errors = error_outputs(page)
    assert len(errors) == 1 and "error when executing cell [2]" in errors[0], errors

    page.locator(".noUi-handle").first.press("ArrowRight")
    expect(page.locator(".widget-readout")).to_have_text("1")
    for _ in range(50):
        if kernel_errors(page):
            break
        page.wait_for_timeout(100)
    assert any("RuntimeError: callback failed" in e for e in kernel_errors(page))
    assert any(e.startswith("kernel error: RuntimeError") for e in error_outputs(page))


@pytest.mark.parametrize("config", ["app", "class"])
def test_leaving_a_page_shuts_its_kernel_down(voila, browser, tmp_path, config):
    """Closing a tab: Voila's shutdown post carries its `_xsrf` token (issue 26: it logged a 403 and the kernel
    ran on until culled); the server shuts the page's kernel down and logs no refusal."""
    import json
    import time
    from urllib.parse import urlparse

    url = voila(SMOKE, config=config, wait_for="Kernel pool of smoke.ipynb is filled" if config == "class" else None)
    log = tmp_path / f"voila-{urlparse(url).port}.log"
    context = browser.new_context()
    page = context.new_page()
    try:
        open_app(page, url)
        kernel = json.loads(page.locator("#jupyter-config-data").text_content())["kernelId"]
        assert kernel
        page.close(run_before_unload=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and f"Kernel shutdown: {kernel}" not in log.read_text():
            time.sleep(0.2)
        text = log.read_text()
        assert f"Kernel shutdown: {kernel}" in text, text[-3000:]
        assert [line for line in text.splitlines() if " 403 " in line or "403 POST" in line] == []
    finally:
        context.close()
