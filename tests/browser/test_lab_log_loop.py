"""The whole loop of issue 17 in Voila + Chromium: log a pellet from the designer, enter what was measured in
the pellet log, see it in the parity plot (with the model's range), recalibrate its powder lot, download
the material, upload it into the designer and press the design with it."""
from __future__ import annotations

import base64
import re

import pytest
from harness import ROOT, error_outputs, open_app, snap
from playwright.sync_api import expect
from test_lab_log import NB, PARITY_POINTS, _fill, lab_db  # noqa: F401  (lab_db: a fixture)

pytestmark = pytest.mark.browser
DESIGNER = ROOT / "notebooks" / "designer.ipynb"
POROSITY = "() => document.querySelector('.pb-num[data-key=\"separator.porosity\"]')?.innerText"


def test_designer_log_measure_parity_recalibrate_and_back_to_the_designer(voila, page, lab_db):
    designer_url, log_url = voila(DESIGNER), voila(NB)

    # 1. the designer logs its design, with the powder lot and the die
    open_app(page, designer_url + "?preset=three-step")
    assert error_outputs(page) == []
    expect(page.locator(".pb-log-pellet")).to_be_visible()
    _fill(page, ".pb-log-pellet .pbl-lot", "T")
    _fill(page, ".pb-log-pellet .pbl-die", "10 mm #3")
    page.locator(".pb-log-pellet .pbl-log").click()
    message = page.locator(".pbl-log-message")
    expect(message).to_contain_text("Logged pellet")
    uid = re.search(r"Logged pellet ([0-9a-f]{8})", message.inner_text()).group(1)
    expect(page.locator(".pb-log-pellet .pb-link-lab_log")).to_have_attribute("href", "lab_log.ipynb")
    porosity_library = page.evaluate(POROSITY)

    # 2. the pellet log shows it (the newest pellet is chosen); enter the measured density
    open_app(page, log_url)
    assert error_outputs(page) == []
    expect(page.locator(".pbl-record")).to_contain_text(uid)
    expect(page.locator(".pbl-record")).to_contain_text("lot T")
    assert len(page.evaluate(PARITY_POINTS)) == 8
    _fill(page, ".pbl-m-ejected-density", "86 %")
    page.locator(".pbl-save").click()
    expect(page.locator(".pbo-message").nth(1)).to_contain_text(f"Saved pellet {uid}")

    # 3. the parity plot has it, with the model's range of every prediction
    page.wait_for_function(f"() => ({PARITY_POINTS})()?.length === 9")
    assert 0.86 in [round(y, 4) for y in page.evaluate(PARITY_POINTS)]
    expect(page.locator(".pbl-summary")).to_contain_text("9 pellets, 9 with a measured density")
    expect(page.locator(".pbl-summary")).to_contain_text("of 9 inside the model's 5-95 % range")

    # 4. recalibrate lot T and take the material file
    page.locator(".pbl-recal-lot select").select_option("T")
    page.locator(".pbl-recalibrate").click()
    expect(page.locator(".pbl-recal")).to_contain_text("Li6PS5Cl lot T: fitted to 9 pellets")
    link = page.locator(".pbl-download a")
    toml = base64.b64decode(link.get_attribute("href").split(",", 1)[1])
    name = link.get_attribute("download")
    snap(page, "lab_log_loop")

    # 5. back in the designer: upload the material, use it for the separator
    open_app(page, designer_url + "?preset=three-step")
    with page.expect_file_chooser() as chooser:
        page.locator(".pb-upload-materials").first.click()
    chooser.value.set_files({"name": name, "mimeType": "application/toml", "buffer": toml})
    expect(page.locator(".pb-notice")).to_contain_text("Li6PS5Cl lot T")
    assert page.evaluate(POROSITY) == porosity_library
    box = page.locator(".pb-layer-material input").nth(1)
    box.fill("Li6PS5Cl lot T")
    box.press("Enter")
    page.wait_for_function(f"() => ({POROSITY})() !== {porosity_library!r}")
    for status in (".pb-status", ".pb-results-status"):   # the results are of the design with the lot's material
        expect(page.locator(status)).not_to_contain_text("Not updated")
    assert error_outputs(page) == []
