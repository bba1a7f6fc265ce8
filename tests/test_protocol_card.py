"""Protocol card: loads on the press's own scale, checks, refusals, HTML and CSV exports."""
import csv
import html
import io
import math

import pytest

from pressbook import presets, simulate
from pressbook.errors import InvalidInputError, PressbookError
from pressbook.lab.protocol_card import Press, check_press_and_die, protocol_card


def card(design=None, press=None, **kw):
    return protocol_card(design or presets.three_step(), press or Press(), **kw)


def test_hand_check_300_MPa_on_10_mm_die():
    # by hand: area = pi (5 mm)^2 = 78.54 mm2; 300 N/mm2 x 78.54 mm2 = 23 562 N = 23.56 kN;
    # 23.562 kN / 9.80665 kN per tonne-force = 2.403 tf
    area_mm2 = math.pi * 5.0 ** 2
    assert 300 * area_mm2 / 1e3 == pytest.approx(23.56, abs=0.005)
    c = card(die_rating=500)
    s1 = c.steps[0]
    assert s1.pressure_MPa == 300
    assert s1.load_kN == pytest.approx(23.56, abs=0.005)
    assert s1.load_tf == pytest.approx(2.40, abs=0.005)
    assert s1.gauge_unit == "tf" and s1.gauge_reading == pytest.approx(2.403, abs=0.001)
    assert c.steps[1].load_tf == pytest.approx(3.604, abs=0.001)  # 450 MPa
    assert c.steps[2].load_kN == pytest.approx(0.785, abs=0.001)  # 10 MPa


def test_kN_and_hydraulic_gauges():
    c = card(press=Press(capacity=100, capacity_unit="kN", gauge_unit="kN"), die_rating=500)
    assert c.steps[0].gauge_reading == pytest.approx(23.56, abs=0.005)
    # bar gauge, 50 mm ram: oil pressure = 23 562 N / 1963.5 mm2 = 12.0 MPa = 120 bar = 1740 psi
    bar = card(press=Press(capacity=25, gauge_unit="bar", ram_diameter=50), die_rating=500)
    assert bar.steps[0].gauge_reading == pytest.approx(120.0, rel=1e-3)
    psi = card(press=Press(capacity=25, gauge_unit="psi", ram_area=math.pi * 2.5 ** 2), die_rating=500)
    assert psi.steps[0].gauge_reading == pytest.approx(1740.5, rel=1e-3)


def test_other_die_diameter_changes_loads_not_pressures():
    c = card(die_diameter=13, die_rating=500)
    assert c.steps[0].pressure_MPa == 300
    assert c.steps[0].load_kN == pytest.approx(300 * math.pi * 6.5 ** 2 / 1e3, rel=1e-9)
    assert c.die_diameter_mm == 13


def test_expected_thicknesses_come_from_simulate_history():
    design = presets.three_step()
    c = card(design, die_rating=500)
    out = simulate(design)
    for step, rec in zip(c.steps, out.history):
        expect = {k: v for k, v in rec.thickness_released.items() if v is not None}
        assert step.layer_thickness_um == pytest.approx(expect)
        assert step.stack_height_um == pytest.approx(sum(expect.values()))
    assert c.final_height_um == pytest.approx(sum(l.thickness for l in out.layers), rel=0.02)
    assert c.steps[0].stack_height_um < c.steps[1].stack_height_um < c.steps[2].stack_height_um


def test_masses_and_bench_instructions():
    c = card(die_rating=500)
    a1, a2, a3 = (s.additions[0] for s in c.steps)
    assert (a1.layer, a1.mass_mg, a1.form) == ("separator", 80.0, "powder")
    assert "pour it into the die" in a1.instruction
    assert a2.mass_mg == 12.0 and "NCM811 70 wt%" in a2.material and "Turn the pellet over" not in a2.instruction
    # Li foil: 50 um x 0.785 cm2 x 0.534 g/cm3 = 2.1 mg; it goes on the separator's other face
    assert a3.form == "foil" and a3.mass_mg == pytest.approx(2.10, abs=0.02)
    assert "Turn the pellet over" in a3.instruction and "separator faces the open end" in a3.instruction
    sym = card(presets.symmetric_li(), die_rating=500)
    bottom, top = sym.steps[1].additions
    assert "under the pellet" in bottom.instruction and "on top" in top.instruction


def test_checks_report_ratings_and_gauge_resolution():
    c = card(die_rating=500)
    names = {ch.name: ch for ch in c.steps[0].checks}
    assert names["die rating"].level == "ok" and "60 %" in names["die rating"].text
    assert names["press capacity"].level == "ok"
    assert "µm high" in names["thickness"].text
    # 450 MPa on a 480 MPa die: above 90 % of the rating, a caution
    hot = card(die_rating=480)
    assert {ch.name: ch.level for ch in hot.steps[1].checks}["die rating"] == "caution"
    # 10 MPa (0.08 tf) cannot be set on a 15 tf gauge of 2.5 % class
    li = {ch.name: ch for ch in c.steps[2].checks}["gauge resolution"]
    assert li.level == "refused" and "cannot set on this gauge" in li.text
    # unknown die rating: a note and a caution, not a refusal
    unknown = card()
    assert unknown.die_rating_MPa is None and unknown.notes
    assert {ch.name: ch.level for ch in unknown.steps[0].checks}["die rating"] == "caution"


@pytest.mark.parametrize("press, kw, field, words", [
    (Press(capacity=2.0), {"die_rating": 500}, "steps.1.pressure", "press capacity"),
    (Press(capacity=30, capacity_unit="kN", gauge_unit="kN"), {"die_rating": 500}, "steps.2.pressure", "30.0 kN"),
    (Press(), {"die_rating": 400}, "steps.2.pressure", "rated pressure 400 MPa"),
    (Press(gauge_max=3.0), {"die_rating": 500}, "steps.2.pressure", "full scale"),
    (Press(capacity=25, gauge_unit="bar", ram_diameter=50, gauge_max=150), {"die_rating": 500}, "steps.2.pressure",
     "full scale 150 bar"),
])
def test_refuses_what_the_press_or_die_cannot_do(press, kw, field, words):
    with pytest.raises(InvalidInputError) as info:
        card(press=press, **kw)
    assert info.value.field == field
    assert words in str(info.value)
    assert "allowed:" in str(info.value)


def test_refuses_warm_step_on_a_press_that_cannot_heat():
    d = presets.three_step()
    d.steps[1].temperature = 150.0
    with pytest.raises(InvalidInputError, match="steps.2.temperature"):
        card(d, Press(max_temperature=100), die_rating=500)
    ok = card(d, Press(), die_rating=500)  # heating not stated: a caution
    assert any(ch.name == "heating" and ch.level == "caution" for ch in ok.steps[1].checks)


def test_all_problems_listed_and_first_raised():
    problems = check_press_and_die(presets.three_step(), Press(capacity=1.0), die_rating=350)
    assert len(problems) >= 3
    with pytest.raises(PressbookError, match="more"):
        card(press=Press(capacity=1.0), die_rating=350)


@pytest.mark.parametrize("press, field", [
    (Press(capacity=-1), "press.capacity"),
    (Press(capacity=float("nan")), "press.capacity"),
    (Press(capacity_unit="kg"), "press.capacity_unit"),
    (Press(gauge_unit="inHg"), "press.gauge_unit"),
    (Press(gauge_unit="psi"), "press.ram_diameter"),
    (Press(gauge_accuracy=0.5), "press.gauge_accuracy"),
])
def test_bad_press_settings(press, field):
    with pytest.raises(InvalidInputError) as info:
        card(press=press)
    assert info.value.field == field


def test_bad_die_settings():
    with pytest.raises(InvalidInputError, match="die.diameter"):
        card(die_diameter=0.1)
    with pytest.raises(InvalidInputError, match="die.rated_pressure"):
        card(die_rating=-5)


def test_csv_one_row_per_step():
    c = card(die_rating=500)
    rows = list(csv.DictReader(io.StringIO(c.to_csv())))
    assert len(rows) == 3
    assert [r["step"] for r in rows] == ["1", "2", "3"]
    assert float(rows[0]["load_kN"]) == pytest.approx(23.562, abs=1e-3)
    assert float(rows[0]["load_tf"]) == pytest.approx(2.403, abs=1e-3)
    assert rows[0]["gauge_unit"] == "tf" and rows[2]["add"].startswith("anode (Li) 2.10 mg")
    assert float(rows[2]["expected_stack_height_um"]) == pytest.approx(c.final_height_um, abs=0.1)


def test_html_is_self_contained_printable_and_escaped():
    d = presets.three_step()
    d.title = '<script>alert("x")</script> & co'
    page = card(d, die_rating=500).to_html()
    assert page.startswith("<!DOCTYPE html>") and "@media print" in page
    assert "<script>" not in page and "&lt;script&gt;" in page
    for external in ("http://", "https://", "<link", "src="):
        assert external not in page
    assert "2.40 tf" in page and "Step 3" in page


def test_load_the_gauge_cannot_resolve_is_refused_with_a_dead_weight():
    # 10 MPa on a 10 mm die = 0.785 kN = 0.080 tf; a 15 tf gauge of 2.5 % reads to +-0.375 tf (+-47 MPa):
    # the step cannot be set; 0.785 kN is the weight of 0.785e3 / 9.80665 = 80.0 kg: too heavy for a dead
    # weight (above 25 kg), so a low-range gauge: full scale <= 0.785 kN x 0.2 / 0.025 = 6.28 kN (0.64 tf)
    c = card(die_rating=500)
    li = c.steps[2]
    assert not li.settable and c.steps[0].settable and c.steps[1].settable
    assert "6.28 kN" in li.instead and "0.641 tf" in li.instead and "80 kg" in li.instead
    assert "cannot set on this gauge" in c.to_html() and "6.28 kN" in c.to_html()
    assert f"Step 3 cannot be set on this gauge: {li.instead}" in c.notes  # said at the top of the card too
    rows = list(csv.DictReader(io.StringIO(c.to_csv())))
    assert rows[2]["gauge_setting"] == "cannot set on this gauge" and rows[2]["instead"] == li.instead
    # a 2 MPa step on a 6 mm die: 56.5 N = 5.77 kg: a dead weight is named, with its mass
    d = presets.three_step()
    d.steps[2].pressure = 2.0
    small = card(d, die_diameter=6, die_rating=500).steps[2]
    assert not small.settable and small.instead.startswith("Use a dead weight instead: 5.8 kg")


def test_load_settable_on_a_low_range_gauge():
    d = presets.three_step()
    for step, pressure in zip(d.steps, (30.0, 40.0, 10.0)):
        step.pressure = pressure
    # 10 MPa = 0.785 kN on a 5 kN load cell of 2.5 %: +-0.125 kN = 16 % of the load, within the 20 % limit
    c = card(d, Press(capacity=5, capacity_unit="kN", gauge_unit="kN"), die_rating=500)
    assert all(s.settable for s in c.steps) and c.steps[2].instead == ""
    assert c.press.resolution == 0.1 and c.steps[2].gauge_setting == 0.8  # 0.785 kN to 0.1 kN
    # the same load on a 7 kN cell: +-0.175 kN = 22 %: refused
    assert not card(d, Press(capacity=7, capacity_unit="kN", gauge_unit="kN"), die_rating=500).steps[2].settable


def test_targets_rounded_to_the_gauge_resolution():
    # 15 tf gauge, 2.5 %: accuracy band 0.375 tf -> divisions of 0.2 tf; 2.403 tf -> 2.4, 3.604 tf -> 3.6
    c = card(die_rating=500)
    assert c.press.resolution == 0.2
    assert (c.steps[0].gauge_setting, c.steps[1].gauge_setting) == (2.4, 3.6)
    # the pressure at the setting: 2.4 tf = 23.54 kN on 78.54 mm2 = 299.7 MPa
    assert c.steps[0].pressure_set_MPa == pytest.approx(299.66, abs=0.02)
    assert "<b class='pbc-target'>2.4 tf</b>" in c.to_html()
    # a given resolution: a bar gauge divided in 5 bar; 120.0 bar -> 120, 180.0 -> 180
    bar = card(press=Press(capacity=25, gauge_unit="bar", ram_diameter=50, gauge_resolution=5), die_rating=500)
    assert bar.steps[0].gauge_setting == 120 and bar.steps[1].gauge_setting == 180
    kn = card(press=Press(capacity=50, gauge_unit="kN", capacity_unit="kN", gauge_resolution=0.5), die_rating=500)
    assert kn.steps[0].gauge_setting == 23.5  # 23.56 kN to the nearest 0.5 kN


def test_tf_and_tonf_explained_on_the_card():
    tf = card(die_rating=500)
    assert any("metric tonne-force" in n and "9.807 kN" in n for n in tf.notes)
    us = card(press=Press(capacity=15, capacity_unit="tonf", gauge_unit="tonf"), die_rating=500)
    assert any("US short ton-force" in n and "8.896 kN" in n for n in us.notes)
    assert "US short ton-force" in us.to_html() and "metric tonne-force" not in us.to_html()


def test_csv_holds_every_instruction_of_the_card():
    flips = []
    for design in (presets.three_step(), presets.symmetric_li()):
        c = card(design, die_rating=500)
        rows = list(csv.DictReader(io.StringIO(c.to_csv())))
        page = c.to_html()
        for s, row in zip(c.steps, rows):
            for text in s.instructions():
                assert text in row["instructions"]
                assert html.escape(text.removeprefix("release: ")) in page
        flips.append(any("Turn the pellet over" in r["instructions"] for r in rows))
    assert flips == [True, False]  # three-step: the lithium goes on the separator's other face


def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised():
    from pressbook.lab.protocol_card import spreadsheet_safe

    assert spreadsheet_safe('=HYPERLINK("http://x","y")') == '\'=HYPERLINK("http://x","y")'
    for text in ("+1+2", "-cmd", "@SUM(A1)", "\t=1"):
        assert spreadsheet_safe(text).startswith("'")
    for kept in ("-40", "+3.5", "1e3", "cathode", 12, ""):
        assert spreadsheet_safe(kept) == kept
    design = presets.three_step().to_dict()
    design["layers"][0]["name"] = "=1+2"
    for step in design["steps"]:
        step["add"] = ["=1+2" if a == "cathode" else a for a in step["add"]]
    from pressbook import Design

    card = protocol_card(Design.from_dict(design))
    rows = list(csv.DictReader(io.StringIO(card.to_csv())))
    assert all(not cell.startswith("=") for row in rows for cell in row.values())
    assert any(cell.startswith("'=1+2") for row in rows for cell in row.values())


def test_a_foil_cut_smaller_than_the_die_and_the_clearance_are_on_the_card():
    """Doux 2020: a 0.5 mm Li foil cut to 12.7 mm for a 13 mm die; the card says so and weighs that disc, and it
    names the punch-die clearance the extrusion risk is computed with (assumed when the design gives none)."""
    design = presets.doux2020()
    c = protocol_card(design)
    li = [s for s in c.steps if any("Li foil" in i and "disc" in i for i in s.instructions())][0]
    text = " ".join(li.instructions())
    assert "12.7 mm disc" in text and "500 µm thick" in text
    mass = 500e-4 * math.pi * (1.27 / 2) ** 2 * 0.534 * 1e3  # mg: 500 um x disc area x Li density
    assert f"({mass:.2f} mg)" in text
    assert any("clearance 15 µm (assumed" in n for n in c.notes)
    design.die.clearance = 20.0
    assert any(n.startswith("Punch-die clearance 20 µm:") for n in protocol_card(design).notes)
    assert not any("clearance" in n for n in protocol_card(presets.se_pellet()).notes)  # no foil, no note


def test_over_rating_is_one_sentence():
    from pressbook.lab.protocol_card import over_rating

    d = presets.three_step()
    assert over_rating(d, None) == "" and over_rating(d, max(s.pressure for s in d.steps)) == ""
    lowest = min(s.pressure for s in d.steps)
    above = [k for k, s in enumerate(d.steps, 1) if s.pressure > lowest]
    text = over_rating(d, lowest)
    assert text.count(".") == 1 and text.endswith("use a die rated for it.")
    assert text.startswith("Step" + ("s " if len(above) > 1 else " ") + " and ".join(map(str, above)))
    assert f"rating of {lowest:g} MPa" in text


def test_card_says_how_sure_the_prediction_is():
    """The card carries the predicted cell with its 90 % bands and the model's versions (issue 24)."""
    import re

    from pressbook import presets
    from pressbook.bands import versions
    from pressbook.lab.protocol_card import protocol_card
    from pressbook.simulate import simulate

    card = protocol_card(presets.three_step())
    o = simulate(presets.three_step(), bands=True)
    lo, hi = o.band("total_asr")
    assert f"most likely {lo:.3g}-{hi:.3g}" in card.prediction
    assert versions()["posterior"] in card.prediction
    html = card.to_html()
    assert "How sure" in html and "Ω·cm²" in html and "ohm" not in html  # the pages' units
    # a range never breaks at its hyphen on a phone (issue 26 item 1: "0.48-" / "2.1" on two lines at 360 px)
    assert re.search(r'most likely <span style="white-space: nowrap">[0-9.]+-[0-9.]+</span>', html)


LAB_FILE = '''
[laboratory]
name = "our lab, lot 7"
lot = "7"
shift = 0.3
sd = 0.04
n_pellets = 24
'''


def test_card_says_how_sure_for_this_laboratory_from_a_materials_file(tmp_path):
    """A materials file with a [laboratory] table (a lot recalibrated in the pellet log): the card's "How sure" line
    gives that laboratory's bands and says whose they are (issue 24 item 4)."""
    from pressbook.materials import load_user_materials

    path = tmp_path / "lot7.toml"
    path.write_text(LAB_FILE, encoding="utf-8")
    lib = load_user_materials(str(path))
    card = protocol_card(presets.three_step(), library=lib)
    lab = simulate(presets.three_step(), lib, bands=True)
    new = simulate(presets.three_step(), bands=True)
    lo, hi = lab.band("ionic_conductivity", "separator")
    assert (lo, hi) != new.band("ionic_conductivity", "separator")
    assert f"most likely {lo:.2g}-{hi:.2g}" in card.prediction
    assert "for our lab, lot 7 (24 pellets)" in card.prediction
    assert "conduct 1.3 times the library's prediction: its band sits above" in card.prediction  # exp(0.3)
    assert "a new laboratory" in protocol_card(presets.three_step()).prediction
