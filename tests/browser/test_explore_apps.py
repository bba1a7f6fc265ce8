"""The four design-space apps render in Voila (no error output, Bokeh draws) and react to one
interaction each. Fixtures and helpers: tests/conftest.py and harness.py."""

from pathlib import Path

import pytest
from harness import canvas_drawn, error_outputs, open_app, record_of, snap
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


def _drawn(page):
    canvas_drawn(page)
    # a figure whose first data came only after its BokehModel was made stays blank (no axes, no glyphs)
    page.wait_for_timeout(500)
    assert not [c for c in record_of(page).console if "could not set initial ranges" in c]


def _alternative(page, app: str, says: str, table: str, count: int = 1):
    """The figures' text alternatives of ``app`` (CSS class): reachable by a screen reader (the accessibility
    tree keeps them: visually hidden, not aria-hidden), a sentence saying ``says`` and a table with ``table``."""
    alt = page.locator(f".{app} .pb-figure-text")
    expect(alt).to_have_count(count)
    expect(alt.get_by_role("note").first).to_contain_text(says)
    expect(alt.get_by_role("table").first).to_contain_text(table)
    return alt.first


def test_process_map_app(shared_voila, page):
    open_app(page, shared_voila(NOTEBOOKS) + "voila/render/process_map.ipynb")
    assert error_outputs(page) == []
    _drawn(page)
    text = page.locator(".pbx-process-map .pbx-text-out")
    expect(text).to_contain_text("feasible")
    before = text.inner_text()
    alt = _alternative(page, "pbx-process-map", "Feasible window (every risk score at most 0.33)",
                       "lowest total ASR in the window")
    alt_before = alt.text_content()
    handle = page.locator(".pbx-level .noUi-handle").first
    handle.focus()
    for _ in range(10):
        handle.press("ArrowRight")
    expect(text).not_to_have_text(before, timeout=30_000)
    expect(alt).to_contain_text("every risk score at most 0.43")  # the text alternative follows the figure
    assert alt.text_content() != alt_before
    assert error_outputs(page) == []
    snap(page, "process-map", full_page=False)


def test_optimiser_app(shared_voila, page):
    open_app(page, shared_voila(NOTEBOOKS) + "voila/render/optimiser.ipynb")
    assert error_outputs(page) == []
    _drawn(page)
    expect(page.locator(".pbx-optimiser .pbx-text-out")).to_contain_text("binding constraint")
    _alternative(page, "pbx-optimiser", "the optimum (star)", "worst risk score (0-1)")
    page.locator(".pbx-optimiser .pbx-run").click()
    expect(page.locator(".pbx-optimiser .pbx-table-out")).to_contain_text("kN")
    assert error_outputs(page) == []
    snap(page, "optimiser", full_page=False)


def test_optimiser_reruns_when_the_risk_level_moves(shared_voila, page):
    """The optimiser's result follows its constraint: moving the risk slider re-runs it (no button press) and
    its text states the new level."""
    open_app(page, shared_voila(NOTEBOOKS) + "voila/render/optimiser.ipynb")
    text = page.locator(".pbx-optimiser .pbx-text-out")
    expect(text).to_contain_text("Risk level 0.33")
    assert text.inner_text().count("The binding constraint is") <= 1  # one conclusion
    handle = page.locator(".pbx-optimiser .pbx-level .noUi-handle").first
    handle.focus()
    for _ in range(10):
        handle.press("ArrowRight")
    expect(text).to_contain_text("Risk level 0.43", timeout=60_000)
    assert text.inner_text().count("The binding constraint is") <= 1
    expect(page.locator(".pbx-optimiser .pbx-table-out")).to_contain_text("worst risk score")
    assert error_outputs(page) == []


def test_sensitivity_app(shared_voila, page):
    open_app(page, shared_voila(NOTEBOOKS) + "voila/render/sensitivity.ipynb")
    assert error_outputs(page) == []
    _drawn(page)
    expect(page.locator(".pbx-sensitivity .pbx-text-out")).to_contain_text("Moves the total ASR most")
    _alternative(page, "pbx-sensitivity", "Sensitivity of the total ASR", "input higher")
    snap(page, "sensitivity", full_page=False)


def test_uncertainty_app(shared_voila, page):
    open_app(page, shared_voila(NOTEBOOKS) + "voila/render/uncertainty.ipynb")
    assert error_outputs(page) == []
    _drawn(page)
    text = page.locator(".pbx-uncertainty .pbx-text-out")
    expect(text).to_contain_text("manual press")
    _alternative(page, "pbx-uncertainty", "(manual press)", "samples", count=2)
    expect(page.locator(".pbx-uncertainty .pb-figure-text").nth(1)).to_contain_text("the 5-95 % band is widest")
    page.locator(".pbx-uncertainty .pbx-press button").nth(1).click()
    expect(text).to_contain_text("automatic press", timeout=30_000)
    expect(page.locator(".pbx-uncertainty .pb-figure-text").first).to_contain_text("(automatic press)")
    assert error_outputs(page) == []
    snap(page, "uncertainty", full_page=False)
