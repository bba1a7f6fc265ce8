"""BokehJS arriving late still draws every figure (issue 25, pressbook.apps.bokehjs).

The page loads BokehJS as a static file with a plain script first in its head, so the browser runs it before any
of Voila's scripts however late it arrives. Here its response is held back 8 s (a slow link, a busy server): every
figure of the designer is still drawn and no view fails with "Could not create a view for model id" (what an
asynchronously added BokehJS did under load, TOOLCHAIN.md). The same check under a class burst:
test_class_burst.py.
"""
import pytest
from harness import READY_JS, ROOT, error_outputs, record_of, wait_figures_drawn

pytestmark = pytest.mark.browser

HOLD_S = 8.0


def test_the_designer_draws_every_figure_when_bokehjs_arrives_late(voila, page):
    # a preheated kernel (class config): the whole page arrives at once, so Voila's scripts are ready to render the
    # figures at once too (with a kernel started per page, the page streams in as the notebook runs: seconds)
    url = voila(ROOT / "notebooks" / "designer.ipynb", config="class",
                args=["--VoilaConfiguration.default_pool_size=1"], timeout=150,
                wait_for="Kernel pool of designer.ipynb is filled")
    held = []  # the route is continued from the test's own thread: a handler that slept would hold every request
    page.route("**/voila/pressbook/bokehjs/bokeh.min.js*", lambda route: held.append(route))
    page.goto(url + "?preset=three-step", wait_until="commit", timeout=120_000)
    page.wait_for_timeout(HOLD_S * 1000)  # the rest of the page arrives and runs meanwhile
    assert len(held) == 1, held
    held[0].continue_()
    page.wait_for_function(READY_JS, timeout=120_000, polling=200)  # as open_app: every output and widget rendered
    found = wait_figures_drawn(page)
    assert found["drawn"] == found["plots"] > 0 and all(n > 0 for n in found["models"]), found
    failed_views = [line for line in record_of(page).console if "Could not create a view" in line]
    assert failed_views == [] and error_outputs(page) == []
