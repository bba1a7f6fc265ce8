"""The start page tells a teacher whether the class server's prepared designer places are ready (issue 14)."""
from __future__ import annotations

import json

import pytest
from harness import ROOT, error_outputs, open_app
from playwright.sync_api import expect


@pytest.mark.browser
def test_the_start_page_says_warming_up_then_ready(voila, page):
    url = voila(ROOT / "notebooks", config="class", args=["--VoilaConfiguration.default_pool_size=2"])
    answers = []

    def first_one_warming(route):  # the first answer is made up (the real pool may be full already)
        if not answers:
            answers.append("made up")
            route.fulfill(status=200, content_type="application/json",
                          body=json.dumps({"ready": 1, "size": 2, "filled": False}))
        else:
            answers.append("server")
            route.continue_()

    page.route("**/voila/pressbook/pool", first_one_warming)
    open_app(page, url + "voila/render/index.ipynb")
    status = page.locator("#pb-pool-status")
    expect(status).to_contain_text("Warming up: 1 of 2 places prepared")
    heading = page.get_by_role("heading", name="pressbook: pressing solid-state battery pellets")
    assert status.bounding_box()["y"] < heading.bounding_box()["y"], "the status is above the start page's text"
    # then the real server: its 2 designer kernels build the app and wait for students
    expect(status).to_contain_text("Server ready: 2 app places are prepared", timeout=180_000)
    assert "server" in answers
    assert error_outputs(page) == []
