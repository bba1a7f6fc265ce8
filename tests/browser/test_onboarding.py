"""The lab-onboarding apps in Voila + Chromium: the protocol card and calibration with your own data."""


import pytest
from harness import ROOT, error_outputs, open_app, snap
from pressbook import presets
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

NOTEBOOKS = ROOT / "notebooks"  # one server of the folder for the module: each test opens its own page
DATA = ROOT / "notebooks" / "data"


def _upload(page, css, path):
    """ipywidgets' FileUpload keeps its <input type=file> out of the DOM: go through the file chooser."""
    with page.expect_file_chooser() as chooser:
        page.locator(css).click()
    chooser.value.set_files(str(path))


def _set_number(page, css, value):
    box = page.locator(f"{css} input")
    box.fill(str(value))
    box.press("Enter")


def test_protocol_card_in_voila(shared_voila, page, tmp_path):
    open_app(page, shared_voila(NOTEBOOKS) + "voila/render/protocol_card.ipynb")
    assert error_outputs(page) == []
    card = page.locator(".pbc-card")
    expect(card).to_be_visible()
    expect(card.locator("h1")).to_contain_text("three-step")
    # 300 MPa on the 10 mm die: 2.40 tf on a tonne-force gauge, 23.56 kN
    expect(card.locator(".pbc-step").first).to_contain_text("2.40 tf")
    expect(card.locator(".pbc-step").first).to_contain_text("23.56 kN")
    href = page.locator("a.pbo-dl").first.get_attribute("href")
    assert href.startswith("data:text/html;base64,")
    assert page.locator("a.pbo-dl").nth(1).get_attribute("download").endswith(".csv")
    # no code shown (Voila strips sources)
    expect(page.locator("body")).not_to_contain_text("apps.onboarding")

    # a press that cannot do it: a message, no card, no traceback
    _set_number(page, ".pbo-capacity", 2)
    message = page.locator(".pbo-message")
    expect(message).to_contain_text("cannot do this design")
    expect(message).to_contain_text("press capacity")
    expect(card).to_have_count(0)
    _set_number(page, ".pbo-capacity", 15)
    expect(page.locator(".pbc-card")).to_be_visible()

    # no die rating assumed; a step above a typed rating: one sentence, no card; cleared: the card again
    expect(card.locator(".pbc-head")).to_contain_text("rated pressure not given: check your die")
    highest = max(s.pressure for s in presets.preset("three-step").steps)
    _set_number(page, ".pbo-die-rating", f"{highest - 50:g}")
    expect(message).to_contain_text(f"above the die's rating of {highest - 50:g} MPa: lower the pressure")
    expect(card).to_have_count(0)
    _set_number(page, ".pbo-die-rating", "")
    expect(page.locator(".pbc-card")).to_be_visible()
    expect(message).to_be_hidden()

    # a hydraulic gauge in bar with a 50 mm ram: 120 bar for 300 MPa
    page.locator(".pbo-gauge-unit select").select_option("bar")
    expect(page.locator(".pbc-step").first).to_contain_text("120 bar")

    # upload a malformed design: message, the page stays usable
    bad = tmp_path / "broken.toml"
    bad.write_text("title = [")
    _upload(page, ".pbo-upload", bad)
    expect(message).to_contain_text("not valid TOML")
    _upload(page, ".pbo-upload", DATA / "three_step_design.toml")
    expect(page.locator(".pbc-card")).to_be_visible()
    snap(page, "protocol-card")
    assert error_outputs(page) == []


def test_calibrate_in_voila(shared_voila, page, tmp_path):
    open_app(page, shared_voila(NOTEBOOKS) + "voila/render/calibrate.ipynb")
    assert error_outputs(page) == []
    expect(page.locator("body")).not_to_contain_text("apps.onboarding")
    alt = page.locator(".pbo-calibrate-app .pb-figure-text")  # the figures' text alternatives (screen readers)
    expect(alt.first.get_by_role("note")).to_contain_text("no data yet")
    page.locator(".pbo-sample select").select_option("compaction_thickness.csv")
    expect(page.locator(".pbo-status")).to_contain_text("Fitted compaction_thickness.csv", timeout=60_000)
    table = page.locator(".pbo-params table")
    expect(table).to_contain_text("Heckel P_y")
    expect(table).to_contain_text("\u00b1")
    expect(page.locator(".pbo-fig-density canvas").first).to_be_visible()
    expect(alt.first.get_by_role("note")).to_contain_text("11 measured points")  # follows the data
    expect(alt.first.get_by_role("table")).to_contain_text("measured relative density")
    link = page.locator("a.pbo-dl").first
    assert link.get_attribute("download").endswith(".toml")
    assert link.get_attribute("href").startswith("data:application/toml;base64,")

    # a malformed upload: a clear message, the previous fit stays
    bad = tmp_path / "bad.csv"
    bad.write_text("pressure,thickness_um\n100,700\n200,650\n")
    _upload(page, ".pbo-upload", bad)
    expect(page.locator(".pbo-message").first).to_contain_text("no unit in the header")
    expect(table).to_contain_text("Heckel P_y")

    # impedance: sample spectrum fitted with the predicted circuit
    page.locator(".pbo-eis-sample select").select_option("eis_three_step.csv")
    expect(page.locator(".pbo-eis-params")).to_contain_text("R0-p(R1,CPE1)-p(R2,CPE2)", timeout=60_000)
    expect(page.locator(".pbo-fig-nyquist canvas").first).to_be_visible()
    expect(alt.last.get_by_role("note")).to_contain_text("the fitted circuit is within")
    snap(page, "calibrate")
    assert error_outputs(page) == []
