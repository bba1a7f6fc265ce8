"""Outcome -> plot columns and tables (pressbook.views), without a browser."""
import math
import re

import pytest

from pressbook import presets, simulate
from pressbook.views import columns as col
from pressbook.views.tables import diff_html, risks_html, summary_html


@pytest.fixture(scope="module")
def three():
    return simulate(presets.three_step())


@pytest.fixture(scope="module")
def co():
    return simulate(presets.co_press())


def _equal_lengths(data):
    lengths = {len(v) for v in data.values()}
    assert len(lengths) == 1, {k: len(v) for k, v in data.items()}
    return lengths.pop()


def test_compaction_columns(three):
    curves, points = col.compaction_columns(three)
    assert _equal_lengths(curves) == 2  # cathode and separator; the Li foil has no compaction curve
    for xs, ys in zip(curves["xs"], curves["ys"]):
        assert len(xs) == len(ys) == col.CURVE_POINTS
        assert all(0 < y < 1 for y in ys)
        assert all(b >= a for a, b in zip(ys, ys[1:]))  # density rises with pressure
        assert max(xs) >= 1.15 * 450
    # operating points: separator in steps 1-3, cathode in steps 2-3
    assert _equal_lengths(points) == 5
    assert points["step"].count("step 1") == 1
    first = points["pressure"][0]
    assert first == pytest.approx(three.history[0].local_pressure["separator"])
    assert set(points["colour"]) <= set(col.PALETTE)


def test_cross_section_is_to_scale(three):
    xs = col.cross_section_columns(three)
    lay = xs["layers"]
    assert _equal_lengths(lay) == 3
    assert lay["bottom"][0] == 0.0
    for i in range(1, 3):
        assert lay["bottom"][i] == pytest.approx(lay["top"][i - 1])
    assert lay["top"][-1] == pytest.approx(sum(l.thickness for l in three.layers))
    assert lay["porosity"][1] == pytest.approx(100 * three.layer("separator").porosity)
    faces = xs["interfaces"]
    assert _equal_lengths(faces) == 2
    assert faces["y"][0] == pytest.approx(lay["top"][0])
    assert faces["quality"][0] == col.contact_class(three.interfaces[0].contact_fraction)[0]
    for y, b, t, d in zip(faces["y"], faces["zone_bottom"], faces["zone_top"], faces["depth"]):
        assert t - b == pytest.approx(d) and b <= y <= t  # the intermixed zone straddles the interface
    sep = three.layer("separator")
    assert lay["text"][1] == f"separator\n{sep.thickness:.0f} µm, {100 * sep.porosity:.0f} % porous"


def test_cross_section_a_beside_b(three, co):
    b = col.cross_section_columns(three)
    a = col.cross_section_columns(co, 1.0, "A: ")
    merged = {k: col.merge_columns(b[k], a[k]) for k in b}
    assert _equal_lengths(merged["layers"]) == 6
    assert min(merged["layers"]["left"][3:]) == 1.0
    assert merged["layers"]["name"][3].startswith("A: ")


def test_history_columns(three):
    lines, marks = col.history_columns(three)
    assert _equal_lengths(lines) == 5  # 3 layers' density, 2 interfaces' contact
    assert lines["dash"] == ["solid"] * 3 + ["dashed"] * 2
    assert lines["xs"][lines["name"].index("separator")] == [1.0, 2.0, 3.0]
    assert lines["xs"][lines["name"].index("cathode")] == [2.0, 3.0]
    assert lines["xs"][lines["name"].index("cathode|separator")] == [2.0, 3.0]  # formed in step 2
    assert len(set(lines["label"])) == 5  # distinct legend entries
    assert _equal_lengths(marks) == sum(len(x) for x in lines["xs"])
    assert all(0 <= v <= 1 for v in marks["value"])


def test_impedance_columns(three):
    spec = col.impedance_columns(three)
    assert _equal_lengths(spec) == len(three.impedance.frequencies)
    assert max(spec["z_real"]) == pytest.approx(three.impedance.total_resistance, rel=0.02)
    assert all(m > 0 for m in spec["magnitude"])
    assert all(-1 <= p <= 91 for p in spec["minus_phase"])


def test_summary_rows_and_tables(three, co):
    rows = {k: (v, u) for k, _q, v, u, _d in col.summary_rows(three)}
    assert rows["separator.porosity"] == (pytest.approx(100 * three.layer("separator").porosity), "%")
    assert rows["total_resistance"][1] == "ohm"
    assert rows["cathode|separator.asr"][1] == "ohm cm2"
    html = summary_html(three)
    assert 'data-key="total_asr"' in html and "Ω·cm²" in html and three.impedance.circuit in html
    diffs = col.diff_rows(three, three)
    assert all(d == 0 for _q, _a, _b, d, _u, _n in diffs if d is not None)
    diffs = {q: d for q, _a, _b, d, _u, _n in col.diff_rows(co, three)}
    assert any(d not in (None, 0) for d in diffs.values())
    assert "B − A" in diff_html(co, three)
    risk = risks_html(three)
    from html import escape

    from pressbook.views.words import plain_units

    for r in three.risks:  # the reason as the model gives it, units spelled as on the pages (µm, not um)
        assert escape(plain_units(r.reason)) in risk
    assert " um " not in risk and "µm" in risk
    assert three.worst_risk.level.upper() in risk and risk.count("<li") == len(three.risks)


def test_html_is_escaped():
    d = presets.se_pellet()
    d.title = "<script>alert(1)</script>"
    html = summary_html(simulate(d))
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_helpers():
    assert col.contact_class(0.95)[0] == "good"
    assert col.contact_class(0.6)[0] == "fair"
    assert col.contact_class(0.1)[0] == "poor"
    assert "250-300 MPa" in col.typical_range_text(["separator"])
    assert "360-500" in col.typical_range_text(["cathode", "separator"])
    assert col.typical_range_text([]) == ""
    assert col.fmt(None) == "-" and col.fmt(float("nan")) == "-" and col.fmt(1.23456, 2) == "1.23"


def test_figures_update_in_place(three, co):
    pytest.importorskip("bokeh")
    from pressbook.apps.designer.figures import DesignerFigures

    figs = DesignerFigures()
    sources = dict(figs.sources)
    figs.update(three)
    assert figs.sources == sources  # same ColumnDataSource objects: data replaced, never rebuilt
    assert len(figs.sources["points"].data["pressure"]) == 5
    assert figs.sources["imp_a"].data["z_real"] == []
    figs.update(three, pinned=co)
    assert len(figs.sources["imp_a"].data["z_real"]) == len(three.impedance.frequencies)
    assert len(figs.sources["xs_layers"].data["name"]) == 6
    figs.update(three, pinned=None)
    assert figs.sources["imp_a"].data["z_real"] == []
    for src in figs.sources.values():  # every source has equal-length columns
        assert len({len(v) for v in src.data.values()}) == 1
    assert not any(isinstance(v, float) and math.isnan(v) for v in figs.sources["points"].data["density"])


def test_the_typical_anode_range_agrees_with_the_extrusion_model():
    """The designer's hint ("gentle anode 1-25 MPa") must not recommend what the model flags: at the top of the
    range the default cell's 50 um Li foil scores low for extrusion, and well above it the model does flag it."""
    import dataclasses

    lo, hi, _ = col.TYPICAL_RANGES["anode"]

    def extrusion(P):
        d = presets.three_step()
        steps = list(d.steps)
        steps[2] = dataclasses.replace(steps[2], pressure=P)
        return next(r for r in simulate(dataclasses.replace(d, steps=tuple(steps))).risks if r.name == "metal extrusion")

    assert extrusion(lo).level == "low" and extrusion(hi).level == "low"
    assert extrusion(3 * hi).level == "high"


def test_compare_caption_tells_two_designs_with_one_title_apart():
    """Issue 26 item 7: a pinned design and its edit keep one title; the caption names each by its step pressures
    (or pinned / as edited), never "A: gentle ... vs B: gentle ..." with nothing to tell them apart."""
    from pressbook.views.tables import compare_names

    a = presets.three_step()
    b = a.copy()
    b.steps[1].pressure = 400.0
    caption = re.search(r"<caption>(.*?)</caption>", diff_html(simulate(a), simulate(b))).group(1)
    assert f"A: {a.title} (300/450/10 MPa)" in caption and f"B: {a.title} (300/400/10 MPa)" in caption, caption
    b.steps[1].pressure, b.layers[0].mass = 450.0, 2 * (a.layers[0].mass or 10.0)
    assert compare_names(a, b) == (f"{a.title} (pinned)", f"{a.title} (as edited)")
    assert compare_names(a, presets.co_press()) == (a.title, presets.co_press().title)  # different titles: as they are
