"""Careless or hostile input in the designer, in a real browser (issue 14, Found-5 and Found-6):

- a shared ``?design=`` link whose title holds a lone surrogate opens the designer with a message;
- a file over the upload limit is refused in the browser before it is sent, and a later upload works;
- fast clicks on "+ add layer" / "+ add step" leave editors that match the design.
"""
import base64
import json

import pytest
from harness import ROOT, error_outputs, open_app
from playwright.sync_api import expect

from pressbook import presets

pytestmark = pytest.mark.browser

NB = ROOT / "notebooks" / "designer.ipynb"


def open_designer(page, url):
    open_app(page, url)
    page.locator(".pb-fig-compaction canvas").first.wait_for()
    return page


def upload(page, path):
    with page.expect_file_chooser() as chooser:
        page.locator(".pb-upload").click()
    chooser.value.set_files(str(path))


def test_a_surrogate_title_in_a_link_opens_the_designer_with_a_message(shared_voila, page):
    data = presets.three_step().to_dict()
    data["title"] = "a\ud800b"
    query = "?design=" + base64.urlsafe_b64encode(json.dumps(data).encode("ascii")).decode("ascii")
    open_designer(page, shared_voila(NB) + query)
    expect(page.locator(".pb-notice")).to_contain_text("could not be used")
    expect(page.locator(".pb-summary")).to_be_visible()
    assert error_outputs(page) == []


def test_an_oversized_upload_is_refused_in_the_browser_and_later_uploads_work(shared_voila, page, tmp_path):
    open_designer(page, shared_voila(NB) + "?preset=three-step")
    big = tmp_path / "huge.toml"
    big.write_bytes(b"# " + b"x" * 12 * 2**20)  # over the server's 10 MiB websocket message limit
    upload(page, big)
    note = page.locator(".pb-upload-refused")
    expect(note).to_contain_text("huge.toml")
    expect(note).to_contain_text("Nothing was sent")
    assert page.evaluate("window.__pressbookGuard.refusedUploads") == 1
    good = tmp_path / "co-press.toml"
    good.write_text(presets.co_press().to_toml(), encoding="utf-8")
    upload(page, good)
    expect(page.locator(".pb-step")).to_have_count(len(presets.co_press().steps))
    expect(note).to_have_count(0)  # the note goes with the next accepted file
    assert error_outputs(page) == []


def test_fast_clicks_on_add_layer_and_add_step_leave_editors_matching_the_design(shared_voila, page):
    from harness import record_of

    from pressbook.design import MAX_LAYERS, MAX_STEPS

    open_designer(page, shared_voila(NB) + "?preset=three-step")
    for _ in range(15):
        page.locator(".pb-layer-add").click()
        page.wait_for_timeout(250)
    for _ in range(25):
        page.locator(".pb-step-add-button").click()
        page.wait_for_timeout(250)
    expect(page.locator(".pb-layer")).to_have_count(MAX_LAYERS)
    expect(page.locator(".pb-step")).to_have_count(MAX_STEPS)
    names = ["cathode", "separator", "anode"] + [f"layer{n}" for n in range(4, MAX_LAYERS + 1)]
    for i, name in enumerate(names, 1):
        expect(page.locator(f".pb-layer-{i} .pb-layer-name input")).to_have_value(name)
    for k in range(1, MAX_STEPS + 1):  # every step row offers every layer, once
        expect(page.locator(f".pb-step-{k} .pb-step-add")).to_have_count(MAX_LAYERS)
    console = "\n".join(record_of(page).console)
    assert "not found" not in console, console[-2000:]
    assert error_outputs(page) == []
