"""The sequence designer (notebooks/designer.ipynb) in a real browser through Voila.

Data is read from BokehJS in the page (``SOURCE``: a ColumnDataSource by name, e.g. 'pb-points');
widgets are found by their CSS classes (``pb-...``, see pressbook/apps/designer).
"""
import re

import pytest
from harness import ROOT, error_outputs, open_app, snap
from playwright.sync_api import expect

from pressbook import Design, presets
from pressbook.apps.designer.query import design_to_query

pytestmark = pytest.mark.browser

NB = ROOT / "notebooks" / "designer.ipynb"

# A ColumnDataSource's columns by its name, as plain arrays (data is a Map or a plain object).
SOURCE = """(name) => {
  const plain = (v) => (ArrayBuffer.isView(v) || Array.isArray(v)) ? Array.from(v, plain) : v;
  for (const doc of (window.Bokeh ? Bokeh.documents : []))
    for (const m of doc.all_models)
      if (m.type === 'ColumnDataSource' && m.name === name) {
        const d = m.data, keys = d instanceof Map ? [...d.keys()] : Object.keys(d);
        return Object.fromEntries(keys.map(k => [k, plain(d instanceof Map ? d.get(k) : d[k])]));
      }
  return null;
}"""


def source(page, name):
    return page.evaluate(SOURCE, name)


def wait_source(page, name, predicate_js, timeout=30_000):
    """Wait until predicate_js (a JS expression of `d`, the columns) holds for source `name`."""
    page.wait_for_function(f"() => {{ const d = ({SOURCE})('{name}'); return d !== null && ({predicate_js}); }}",
                           timeout=timeout, polling=50)


def summary_value(page, key):
    return page.locator(f'.pb-summary td[data-key="{key}"]').inner_text()


def number_input(page, step, field="pressure"):
    return page.locator(f".pb-step-{step} .pb-step-{field} input")


def set_number(locator, value):
    """Type a value and press Enter (the inputs fire on Enter or on leaving the field)."""
    locator.fill(str(value))
    locator.press("Enter")


def upload(page, path):
    """Choose a file in the upload button's file dialog."""
    with page.expect_file_chooser() as chooser:
        page.locator(".pb-upload").click()
    chooser.value.set_files(str(path))


def open_designer(page, url):
    open_app(page, url)
    page.locator(".pb-fig-compaction canvas").first.wait_for()
    wait_source(page, "pb-points", "d.pressure.length > 0")
    return page


def test_loads_draws_and_reacts(shared_voila, page):
    open_designer(page, shared_voila(NB) + "?preset=three-step")
    assert error_outputs(page) == []
    for fig in ("compaction", "cross_section", "history", "impedance"):
        expect(page.locator(f".pb-fig-{fig} canvas").first).to_be_visible()
    assert page.locator(".pb-fig-impedance canvas").count() >= 2  # Nyquist and Bode
    assert page.locator(".pb-step").count() == 3
    assert source(page, "pb-xs_layers")["name"] == ["cathode", "separator", "anode"]
    snap(page, "designer-three-step")

    # change step 2 (cathode bonding) from 450 to 380 MPa: summary and plotted data follow
    before = summary_value(page, "total_resistance")
    assert max(source(page, "pb-points")["pressure"]) > 440
    set_number(number_input(page, 2), 380)
    wait_source(page, "pb-points", "Math.max(...d.pressure) < 385 && Math.max(...d.pressure) > 370")
    expect(page.locator('.pb-summary td[data-key="total_resistance"]')).not_to_have_text(before)
    expect(page.locator(".pb-step-2 .pb-conversion")).to_contain_text("380 MPa")
    after = summary_value(page, "total_resistance")

    # an invalid value: message next to the field, results kept, typed value kept
    set_number(number_input(page, 2), 5000)
    expect(page.locator(".pb-step-2 .pb-error")).to_contain_text("Step 2 pressure")
    expect(page.locator(".pb-step-2 .pb-error")).to_contain_text("0.01 to 3000 MPa")
    expect(page.locator(".pb-status")).to_contain_text("Not updated")
    assert number_input(page, 2).input_value() == "5000"
    assert summary_value(page, "total_resistance") == after
    assert max(source(page, "pb-points")["pressure"]) < 385
    snap(page, "designer-invalid-value")

    # fixing it clears the message and updates again
    set_number(number_input(page, 2), 450)
    expect(page.locator(".pb-step-2 .pb-error")).to_have_text("")
    expect(page.locator('.pb-summary td[data-key="total_resistance"]')).to_have_text(before)
    assert error_outputs(page) == []


def test_particle_size_changes_the_cathode_conductivity(shared_voila, page):
    """Issue 23: the composite cathode's SE d50 in the layer editor moves its conductivity (a finer SE than the
    active particles percolates earlier: higher); a bad size is named next to the field, the entry is kept."""
    open_designer(page, shared_voila(NB) + "?preset=three-step")
    se = page.locator(".pb-layer-1 .pb-layer-se-d50 input")
    expect(se).to_be_visible()
    expect(page.locator(".pb-layer-1 .pb-layer-cam-d50 input")).to_be_visible()
    expect(page.locator(".pb-layer-2 .pb-layer-se-d50")).to_be_hidden()  # the separator is not a composite
    cell = page.locator('.pb-summary td[data-key="cathode.sigma"]')
    before = cell.inner_text()
    assert float(se.input_value()) > 1.0  # the library's d50 of the SE, shown
    set_number(se, 1)
    expect(cell).not_to_have_text(before)
    after = cell.inner_text()
    assert float(after) > float(before)

    set_number(se, 500)
    expect(page.locator(".pb-layer-1 .pb-error")).to_contain_text("SE d50")
    expect(page.locator(".pb-layer-1 .pb-error")).to_contain_text("0.1 to 100 µm")
    assert se.input_value() == "500"
    assert cell.inner_text() == after
    set_number(se, 1)
    expect(page.locator(".pb-layer-1 .pb-error")).to_have_text("")
    assert error_outputs(page) == []


def test_unit_toggle_and_conversion(shared_voila, page):
    open_designer(page, shared_voila(NB))
    page.locator(".pb-pressure-unit button", has_text="kN").click()
    expect(page.locator(".pb-step-1 .pb-step-pressure")).to_contain_text("pressure (kN)")
    assert float(number_input(page, 1).input_value()) == pytest.approx(23.6, abs=1e-9)  # 23.562 kN, 3 digits
    set_number(number_input(page, 1), 20)  # 20 kN on the 10 mm die = 254.6 MPa
    expect(page.locator(".pb-step-1 .pb-conversion")).to_contain_text("254.6 MPa")
    wait_source(page, "pb-points", "Math.abs(d.pressure[0] - 254.6) < 5")
    assert error_outputs(page) == []


def test_preset_switch_and_compare(shared_voila, page):
    open_designer(page, shared_voila(NB) + "?preset=three-step")
    page.locator("button.pb-pin").click()
    expect(page.locator(".pb-diff")).to_contain_text("B − A")

    page.locator(".pb-preset select").select_option(label="co-press")
    expect(page.locator(".pb-step")).to_have_count(1)
    expect(page.locator(".pb-summary caption")).to_contain_text("co-pressing")
    # the stack: B (co-pressed, 1 step) beside A (three-step)
    wait_source(page, "pb-xs_layers", "d.name.length === 6 && d.name[3] === 'A: cathode'")
    wait_source(page, "pb-points", "d.step.every(s => s === 'step 1')")
    assert len(source(page, "pb-imp_a")["z_real"]) > 0
    expect(page.locator(".pb-link input")).to_have_value(re.compile(r"/\?preset=co-press$"))
    snap(page, "designer-compare")

    page.locator("button.pb-unpin").click()
    wait_source(page, "pb-imp_a", "d.z_real.length === 0")
    wait_source(page, "pb-xs_layers", "d.name.length === 3")
    assert error_outputs(page) == []


def test_query_link_opens_the_design(shared_voila, page):
    base = shared_voila(NB)
    open_designer(page, base + "?preset=co-press&steps.1.pressure=400MPa&die.diameter=12mm")
    assert error_outputs(page) == []
    expect(page.locator(".pb-step")).to_have_count(1)
    assert float(number_input(page, 1).input_value()) == 400
    assert float(page.locator(".pb-die-diameter input").input_value()) == 12
    wait_source(page, "pb-points", "Math.max(...d.pressure) > 390 && Math.max(...d.pressure) <= 400")

    # a whole design in the link
    d = presets.minnmann2021()
    d.steps[0].pressure = 150.0
    d.layers[1].mass, d.layers[1].thickness = None, 400.0
    page.goto("about:blank")
    open_designer(page, base + "?" + design_to_query(d))
    expect(page.locator(".pb-summary caption")).to_contain_text("Minnmann")
    assert float(number_input(page, 1).input_value()) == 150
    expect(page.locator(".pb-layer-2 .pb-layer-kind select")).to_have_value("thickness (µm)")

    # a bad value in a link: a message, the rest of the link applies, no crash
    page.goto("about:blank")
    open_designer(page, base + "?preset=co-press&steps.1.pressure=lots&steps.1.hold=7min")
    expect(page.locator(".pb-notice")).to_contain_text("Step 1 pressure")
    assert float(number_input(page, 1, "hold").input_value()) == 420
    assert error_outputs(page) == []
    snap(page, "designer-bad-link")


def test_save_and_reload_round_trip(shared_voila, page, tmp_path):
    base = shared_voila(NB)
    open_designer(page, base + "?preset=doux2020&steps.2.hold=2min")
    with page.expect_download() as info:
        page.locator("a.pb-download-link").click()
    saved = tmp_path / "design.toml"
    info.value.save_as(saved)
    assert info.value.suggested_filename.endswith(".toml")
    design = Design.load(saved)
    assert design.title.startswith("Doux 2020") and design.steps[1].hold == 120.0

    # change it, then load the saved file back
    set_number(number_input(page, 1), 200)
    wait_source(page, "pb-points", "Math.max(...d.pressure) < 201 || d.pressure[0] < 201")
    upload(page, saved)
    expect(number_input(page, 1)).to_have_value("370")
    wait_source(page, "pb-points", "Math.abs(d.pressure[0] - 370) < 10")

    # the share link opens the same design in another page
    link = page.locator(".pb-link input").input_value()
    assert link.startswith(base + "?")  # absolute: the page's own address
    other = page.context.new_page()
    open_designer(other, link)
    assert other.locator(".pb-summary").inner_text() == page.locator(".pb-summary").inner_text()
    other.close()

    # a broken file: a message next to the upload, the design stays
    bad = tmp_path / "bad.toml"
    bad.write_text("title = [")
    upload(page, bad)
    expect(page.locator(".pb-share .pb-error")).to_contain_text("bad.toml")
    expect(number_input(page, 1)).to_have_value("370")
    assert error_outputs(page) == []


def test_preheated_class_server_reads_the_query(voila, page):
    """`make serve-class` (preheated kernels: the designer is built before the request, the link's query
    applied after it): the link's design reaches the page, its figures included."""
    base = voila(NB.parent, config="class", wait_for="Kernel pool of designer.ipynb is filled",
                 timeout=240)
    open_designer(page, base + "voila/render/designer.ipynb?preset=co-press&steps.1.pressure=420MPa")
    expect(page.locator(".pb-step")).to_have_count(1)
    assert float(number_input(page, 1).input_value()) == 420
    wait_source(page, "pb-points", "Math.max(...d.pressure) > 410 && Math.max(...d.pressure) <= 420")
    # the app was built before the request; the share link still knows the page's address
    link = page.locator(".pb-link input").input_value()
    assert link.startswith(base + "voila/render/designer.ipynb?") and "420" in link
    set_number(number_input(page, 1), 300)
    wait_source(page, "pb-points", "Math.max(...d.pressure) <= 300")
    assert error_outputs(page) == []


def test_figure_patches_are_not_sent_back(shared_voila, page):
    """The kernel's figure patches are applied by BokehJS with ``sync: false``; jupyter_bokeh 4.1 would send
    each one back to the kernel (the filter in pressbook.apps.figure_widget.SYNC_FILTER_JS stops it).
    Changes made in the browser itself (the auto-ranges here) still pass."""
    sent = []

    def on_websocket(ws):
        if "/api/kernels/" in ws.url:
            ws.on("framesent", lambda payload: sent.append(bytes(payload) if not isinstance(payload, str)
                                                            else payload.encode()))

    page.on("websocket", on_websocket)
    open_designer(page, shared_voila(NB) + "?preset=three-step")
    sent.clear()
    set_number(number_input(page, 2), 390)
    wait_source(page, "pb-points", "Math.max(...d.pressure) < 395 && Math.max(...d.pressure) > 385")
    wait_source(page, "pb-imp", "d.z_real.length > 0")
    page.wait_for_timeout(1000)  # anything the patches caused has been sent by now
    events = [m for m in sent if b'"jsevent"' in m]
    assert not [m for m in events if b'"attr":"data"' in m], "a figure's new data went back to the kernel"
    assert any(b'"attr":"start"' in m or b'"attr":"end"' in m for m in events), \
        "no browser change reached the kernel: the filter dropped changes it should pass"
    assert error_outputs(page) == []
