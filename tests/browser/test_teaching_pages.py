"""The four teaching notebooks render in Voila (no error output, Bokeh draws) and react to one
interaction each. Fixtures and helpers: tests/conftest.py and harness.py."""

from pathlib import Path

import pytest
from harness import artifacts_dir, canvas_drawn, error_outputs, lock_prediction, open_app, snap
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"

# Values of every ColumnDataSource column named `y`, read from BokehJS in the page (the data is a Map
# or a plain object, depending on how the source was serialised).
BOKEH_Y = """() => {
  const out = [];
  for (const doc of (window.Bokeh ? Bokeh.documents : []))
    for (const m of doc.all_models) {
      const d = m.data;
      if (d === undefined || d === null) continue;
      const y = d instanceof Map ? d.get('y') : d.y;
      if (y !== undefined) out.push(Array.from(y, v => (Number.isFinite(v) ? Number(v.toFixed(6)) : null)));
    }
  return out;
}"""


def test_why_multistep(shared_voila, page):
    open_app(page, shared_voila(NOTEBOOKS) + "voila/render/why_multistep.ipynb")
    assert error_outputs(page) == []
    # the observation is hidden until a prediction is locked in
    expect(page.locator(".pb-voids-observe")).to_be_hidden()
    snap(page, "why-start", full_page=False)

    page.locator(".pb-voids-predict-choices .widget-radio-box label").nth(1).click()
    page.locator(".pb-voids-predict-button").click()
    expect(page.locator(".pb-voids-observe")).to_be_visible()
    canvas_drawn(page)
    expect(page.locator(".pb-voids-readout")).to_contain_text("porosity")

    # press: one step of the pressure slider updates the readout
    before = page.locator(".pb-voids-readout").inner_text()
    handle = page.locator(".pb-voids-pressure .noUi-handle").first
    handle.focus()
    handle.press("ArrowRight")
    expect(page.locator(".pb-voids-readout")).not_to_have_text(before)

    page.locator(".pb-voids-explain-button").click()
    explanation = page.locator(".pb-voids-explanation")
    expect(explanation).to_contain_text("Your prediction")
    expect(explanation).to_contain_text("mS/cm")
    # the check question gives feedback
    page.locator(".pb-voids-check-choices .widget-radio-box label").first.click()
    page.locator(".pb-voids-check-button").click()
    expect(page.locator(".pb-voids-check-feedback")).to_contain_text("Ω")
    page.locator(".pb-part-voids").screenshot(path=str(artifacts_dir() / "why-part1.png"))
    snap(page, "why-after")
    assert error_outputs(page) == []


def test_compaction_explorer(shared_voila, page):
    open_app(page, shared_voila(NOTEBOOKS) + "voila/render/compaction_explorer.ipynb")
    assert error_outputs(page) == []
    canvas_drawn(page)
    snap(page, "explorer-start")
    page.evaluate(f"() => {{ window.__y0 = JSON.stringify(({BOKEH_Y})()); }}")
    # hot pressing: move the temperature slider, the hot curve's readout follows
    before = page.locator(".pb-hot-readout").inner_text()
    handle = page.locator(".pb-hot-temperature .noUi-handle").first
    handle.focus()
    for _ in range(5):
        handle.press("ArrowRight")
    expect(page.locator(".pb-hot-readout")).not_to_have_text(before)
    # ... and the Bokeh data in the browser (a source's data replaced in place)
    page.wait_for_function(f"() => JSON.stringify(({BOKEH_Y})()) !== window.__y0")
    snap(page, "explorer-after")
    assert error_outputs(page) == []


def predict_observe_explain(page, key: str, observed: str, because: str) -> None:
    """Issue 26 item 11: a part ``key`` hides ``observed`` until a prediction is locked in, then shows the locked
    prediction as a line, reveals it, and explains with the model's numbers (``because``: a unit in the text)."""
    expect(page.locator(f".pb-{key}-predict")).to_be_visible()
    expect(page.locator(observed).first).to_be_hidden()
    label = page.locator(f".pb-{key}-predict-choices .widget-radio-box label").nth(0).inner_text()
    lock_prediction(page, key, 0)
    expect(page.locator(observed).first).to_be_visible()
    expect(page.locator(f".pb-{key}-locked")).to_contain_text(f"Your prediction: {label}")
    expect(page.locator(f".pb-{key}-predict-choices")).to_be_hidden()  # a plain line, not a faint disabled radio
    page.locator(f".pb-{key}-explain-button").click()
    explanation = page.locator(f".pb-{key}-explanation")
    expect(explanation).to_contain_text("Why:")
    expect(explanation).to_contain_text(because)
    expect(explanation.locator(".pb-feedback-right, .pb-feedback-wrong")).to_have_count(1)  # judged by the model


def test_compaction_explorer_springback_predict_first(shared_voila, page):
    open_app(page, shared_voila(NOTEBOOKS) + "voila/render/compaction_explorer.ipynb")
    predict_observe_explain(page, "springback", ".pb-spring-readout", "GPa")
    before = page.locator(".pb-spring-readout").inner_text()
    handle = page.locator(".pb-spring-pressure .noUi-handle").first
    handle.focus()
    handle.press("ArrowRight")
    expect(page.locator(".pb-spring-readout")).not_to_have_text(before)
    page.locator(".pb-part-springback").screenshot(path=str(artifacts_dir() / "springback-part.png"))
    assert error_outputs(page) == []


def test_compaction_explorer_how_sure_predict_first(shared_voila, page):
    """Issue 24 item 6: the student predicts whether another laboratory's value is inside the model's 90 % band,
    then sees the band and the value; more pellets of one's own narrow the band, and the explanation follows."""
    open_app(page, shared_voila(NOTEBOOKS) + "voila/render/compaction_explorer.ipynb")
    predict_observe_explain(page, "band", ".pb-band-readout", "Ohno")
    readout = page.locator(".pb-band-readout")
    expect(readout).to_contain_text("90 % band")
    expect(readout).to_contain_text("Minnmann")
    expect(page.locator(".pb-part-band .pb-figure-text")).to_contain_text("a new laboratory")  # the figure in words
    expect(page.locator(".pb-part-band canvas").first).to_be_visible()
    # the laboratory's own pellets: one step of the slider shows the narrowed band for its next pellet
    before = readout.inner_text()
    handle = page.locator(".pb-band-pellets .noUi-handle").first
    handle.focus()
    handle.press("ArrowRight")
    expect(readout).not_to_have_text(before)
    expect(readout).to_contain_text("After 1 pellet")
    page.locator(".pb-band-explain-button").click()  # asked again: the explanation follows the slider
    expect(page.locator(".pb-band-explanation")).to_contain_text("after 1 pellet")
    page.locator(".pb-part-band").screenshot(path=str(artifacts_dir() / "how-sure-part.png"))
    assert error_outputs(page) == []


def test_interfaces_impedance(shared_voila, page):
    open_app(page, shared_voila(NOTEBOOKS) + "voila/render/interfaces_impedance.ipynb")
    assert error_outputs(page) == []
    predict_observe_explain(page, "stackdrop", ".pb-imp-readout", "mS/cm")
    canvas_drawn(page)
    table = page.locator(".pb-imp-elements")
    expect(table).to_contain_text("R0")
    before = page.locator(".pb-imp-readout").inner_text()
    # toggle an element off: the readout of the selected sum changes
    page.locator(".pb-imp-toggle-R1 input").click()
    expect(page.locator(".pb-imp-readout")).not_to_have_text(before)
    snap(page, "impedance-after")
    assert error_outputs(page) == []


def test_choose_goal(shared_voila, page):
    open_app(page, shared_voila(NOTEBOOKS) + "voila/render/choose_goal.ipynb")
    assert error_outputs(page) == []
    predict_observe_explain(page, "tradeoff", ".pb-goal-recommendation", "Structural integrity")
    canvas_drawn(page)
    rec = page.locator(".pb-goal-recommendation")
    expect(rec).to_contain_text("Recommended")
    first = rec.inner_text()
    page.locator(".pb-goal-choice .widget-radio-box label").nth(1).click()
    expect(rec).not_to_have_text(first)
    expect(rec).to_contain_text("trades away")
    snap(page, "goal-after")
    assert error_outputs(page) == []
