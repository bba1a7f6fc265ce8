"""Pages that do not finish loading say so and offer a Retry (etc/voila/templates/pressbook), and the
class server never hands out a preheated kernel whose pre-execution failed (pressbook.apps.kernel_pool).

The fixture notebooks are written per test: a cell hangs or fails until a flag file exists (the cause
goes away), or the first two preheated kernels fail while the pool fills.
"""
import time

import nbformat
import pytest
from harness import error_outputs, open_app, snap
from nbformat.v4 import new_code_cell, new_notebook
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

KERNELSPEC = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
FINISHED = "() => window.__pressbookRetry && window.__pressbookRetry.finished()"


def _notebook(path, *sources):
    nbformat.write(new_notebook(cells=[new_code_cell(s) for s in sources], metadata=KERNELSPEC), path)
    return path


def _retry_after(seconds):
    return [f'--VoilaConfiguration.resources={{"pressbook_retry_seconds": {seconds}}}']


def test_a_page_stuck_executing_shows_the_retry_banner_and_retry_loads_it(voila, page, tmp_path):
    flag = tmp_path / "cause-gone"
    nb = _notebook(
        tmp_path / "hangs.ipynb",
        "print('first cell')",
        f"import os, time\nwhile not os.path.exists({str(flag)!r}):\n    time.sleep(0.2)",
        "print('last cell ran')",
    )
    url = voila(nb, config="app", args=_retry_after(6)) + "?design=kept"
    page.goto(url, wait_until="commit")
    banner = page.locator(".pb-retry")
    expect(banner).to_be_visible(timeout=40_000)
    expect(banner).to_contain_text("This page did not finish loading")
    assert page.locator("#loading").is_visible()  # still at "Executing 2 of 3"
    snap(page, "stuck-banner")

    flag.touch()
    page.locator(".pb-retry-button").click()
    page.wait_for_function(FINISHED, timeout=60_000, polling=200)
    assert page.url == url  # the address (the design) is kept
    expect(page.get_by_text("last cell ran")).to_be_visible()
    assert page.locator(".pb-retry").count() == 0
    assert error_outputs(page) == []


def test_a_cell_that_failed_while_the_page_was_built_shows_the_banner_at_once(voila, page, tmp_path):
    flag = tmp_path / "cause-gone"
    nb = _notebook(
        tmp_path / "fails.ipynb",
        "print('first cell')",
        f"import os\nif not os.path.exists({str(flag)!r}):\n    raise RuntimeError('the page could not be built')",
        "print('last cell ran')",
    )
    url = voila(nb, config="app", args=_retry_after(600))
    start = time.monotonic()
    page.goto(url)
    expect(page.locator(".pb-retry")).to_be_visible(timeout=40_000)
    assert time.monotonic() - start < 60  # the failure, not the 600 s wait, brought the banner
    assert any("error when executing cell [2]" in e for e in error_outputs(page))

    flag.touch()
    page.locator(".pb-retry-button").click()
    page.wait_for_function(FINISHED, timeout=60_000, polling=200)
    expect(page.get_by_text("last cell ran")).to_be_visible()
    assert page.locator(".pb-retry").count() == 0
    assert error_outputs(page) == []


def test_a_finished_app_page_gets_no_banner(voila, page, tmp_path):
    nb = _notebook(tmp_path / "fine.ipynb", "import ipywidgets as w\nw.IntSlider(description='n')")
    open_app(page, voila(nb, config="app", args=_retry_after(3)))
    page.wait_for_timeout(4_000)
    assert page.locator(".pb-retry").count() == 0


def test_preheated_kernels_whose_pre_execution_failed_are_replaced_not_handed_out(voila, page, tmp_path):
    marks = tmp_path / "kernels"
    nb = _notebook(
        tmp_path / "poison.ipynb",
        "import os, pathlib, uuid\n"
        f"marks = pathlib.Path({str(marks)!r}); marks.mkdir(exist_ok=True)\n"
        "earlier = len(list(marks.iterdir())); (marks / uuid.uuid4().hex).touch()\n"
        "preheated = os.environ.get('VOILA_PREHEAT') == 'True'",
        "if preheated and earlier < 2:\n    raise RuntimeError('pre-execution failed')",
        "from voila.utils import wait_for_request\nwait_for_request()\n"
        "print('ready for', os.environ.get('QUERY_STRING'))",
    )
    url = voila(nb, config="class", wait_for="Kernel pool of poison.ipynb is filled")
    log = next(tmp_path.glob("voila-*.log"))
    deadline = time.monotonic() + 60  # both pooled kernels fail their second cell
    while log.read_text().count("Error at server while executing cell") < 2 and time.monotonic() < deadline:
        time.sleep(0.3)
    assert log.read_text().count("Error at server while executing cell") == 2

    open_app(page, url + "?student=1")
    assert error_outputs(page) == []
    expect(page.get_by_text("ready for student=1")).to_be_visible()
    assert page.locator(".pb-retry").count() == 0
    snap(page, "replacement-kernel")
    assert log.read_text().count("not handed out") == 2
