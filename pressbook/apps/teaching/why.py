"""Widgets of notebooks/why_multistep.ipynb: one predict-observe-explain part per function.

No physics here: the numbers come from pressbook.teaching.lessons (which calls simulate())."""
from __future__ import annotations

import html

import ipywidgets as w
import numpy as np

from ...simulate import simulate
from ...teaching import lessons as L
from ...teaching.text import num, pct
from ...views.words import plain_units
from ..common import designer_link
from .plots import Bars, Chart, CrossSection
from .poe import PredictObserveExplain
from .ui import OKABE_ITO, Message, clamp, guarded, level_html, safe, slider, table

SE_MATERIALS = ["Li6PS5Cl", "Li5.5PS4.5Cl1.5", "Li3PS4", "Li3InCl6", "LLZO"]


def _readout(css: str) -> w.HTML:
    h = w.HTML("")
    h.add_class("pb-readout")
    h.add_class(css)
    return h


# ------------------------------------------------------------------ part 1
@guarded
def part_voids(title: str = "") -> PredictObserveExplain:
    msg = Message()
    material = w.Dropdown(options=SE_MATERIALS, value="Li6PS5Cl", description="solid electrolyte",
                          style={"description_width": "230px"}, layout=w.Layout(width="640px"))
    pressure = slider("pressing pressure", 150.0, 10.0, 700.0, 10.0, "MPa", css="pb-voids-pressure")
    readout = _readout("pb-voids-readout")
    grid = np.arange(10.0, 710.0, 20.0)
    por = Chart("Voids left in the pellet", "pressing pressure (MPa)", "porosity (%)", y_range=(0, 50))
    sig = Chart("Ionic conductivity of the pellet", "pressing pressure (MPa)", "σ at 25 °C (mS/cm)")
    por.line("curve", "", OKABE_ITO["blue"])
    por.scatter("now", "your pellet", OKABE_ITO["vermillion"], size=12)
    sig.line("curve", "", OKABE_ITO["green"])
    sig.scatter("now", "your pellet", OKABE_ITO["vermillion"], size=12)

    def chosen() -> str:  # any value can arrive through the widget comm: only the listed materials are used
        return material.value if material.value in SE_MATERIALS else "Li6PS5Cl"

    @safe(msg)
    def curves(_=None):
        s = L.pellet_sweep(grid, chosen())
        por.set("curve", s["pressure"], 100 * s["porosity"])
        sig.set("curve", s["pressure"], s["conductivity"])
        point()

    @safe(msg)
    def point(_=None):
        P = clamp(pressure.value, 10.0, 700.0, 150.0)
        st = L.pellet_state(P, chosen())
        por.set("now", [P], [100 * st.porosity])
        sig.set("now", [P], [st.ionic_conductivity])
        readout.value = (f"{html.escape(chosen())} pellet (100 mg, 10 mm die) pressed at <b>{P:.0f} MPa</b>: "
                         f"porosity <b>{pct(st.porosity)}</b>, σ <b>{num(st.ionic_conductivity, '.2f', 'mS/cm')}</b>, "
                         f"thickness {num(st.thickness, '.0f', 'µm')}, resistance {num(st.resistance, '.1f', 'Ω')}.")

    material.observe(curves, names="value")
    pressure.observe(point, names="value")
    curves()
    observe = w.VBox([material, pressure, readout, w.HBox([por.widget(), sig.widget()]), msg])
    p, c = L.PARTS["voids"]
    return PredictObserveExplain("voids", title, p(), observe,
                                 lambda: L.explain_voids(clamp(pressure.value, 10, 700, 150), chosen()), c(),
                                 part="part 1")


# ------------------------------------------------------------------ part 2
@guarded
def part_substrate(title: str = "") -> PredictObserveExplain:
    msg = Message()
    pre = slider("SE pre-compaction", 300.0, 0.0, 600.0, 25.0, "MPa", css="pb-substrate-pressure")
    note = w.HTML("<i>0 MPa = no pre-compaction: separator powder and cathode powder pressed together. "
                  f"The cathode is bonded at {L.REF['cathode']:.0f} MPa in every case.</i>")
    readout = _readout("pb-substrate-readout")
    grid = np.arange(0.0, 625.0, 25.0)
    depth = Chart("Intermixed zone at the cathode|separator interface", "SE pre-compaction pressure (MPa)",
                  "intermixed depth (µm)")
    depth.line("curve", "", OKABE_ITO["orange"])
    depth.scatter("now", "your procedure", OKABE_ITO["vermillion"], size=12)
    depth.span("bond", L.REF["cathode"])
    section = CrossSection("Cross-section near the interface (to scale)")

    s = L.precompaction_sweep(grid)
    depth.set("curve", s["pressure"], s["intermixing"])

    @safe(msg)
    def update(_=None):
        P = clamp(pre.value, 0.0, 600.0, 300.0)
        o = simulate(L.cathode_on_se(P))
        i = o.interface("cathode|separator")
        t_cat = o.layer("cathode").thickness
        t_sep = o.layer("separator").thickness
        d = i.intermixing_depth
        show_sep = 120.0
        section.set([(0.0, t_cat, "#777777", f"cathode {t_cat:.0f} µm", " "),
                     (t_cat, t_cat + show_sep, OKABE_ITO["yellow"], f"separator ({t_sep:.0f} µm in all)", " "),
                     (t_cat - d / 2, t_cat + d / 2, OKABE_ITO["orange"], f"intermixed {d:.1f} µm", "/")],
                    t_cat + show_sep)
        depth.set("now", [P], [d])
        r = o.risk("intermixing short")
        readout.value = ((f"SE pre-compacted at <b>{P:.0f} MPa</b>" if P > 0 else "<b>no pre-compaction</b>") +
                         f", cathode bonded at {L.REF['cathode']:.0f} MPa: intermixed zone <b>{d:.1f} µm</b>, "
                         f"contact fraction {i.contact_fraction:.2f}; intermixing-short risk {level_html(r.level)} "
                         f"({r.score:.2f}) for this {t_sep:.0f} µm separator. "
                         + designer_link(o.design, "Open these two layers in the designer"))

    pre.observe(update, names="value")
    update()
    observe = w.VBox([pre, note, readout, w.HBox([depth.widget(), section.widget()]), msg])
    p, c = L.PARTS["substrate"]
    return PredictObserveExplain("substrate", title, p(), observe,
                                 lambda: L.explain_substrate(clamp(pre.value, 0, 600, 300)), c(), part="part 2")


# ------------------------------------------------------------------ part 3
@guarded
def part_bonding(title: str = "") -> PredictObserveExplain:
    msg = Message()
    pre = slider("SE pre-compaction", 300.0, 100.0, 500.0, 25.0, "MPa", css="pb-bonding-pre")
    bond = slider("cathode bonding", 450.0, 100.0, 700.0, 25.0, "MPa", css="pb-bonding-pressure")
    readout = _readout("pb-bonding-readout")
    grid = np.arange(100.0, 725.0, 25.0)
    contact = Chart("Cathode|separator contact", "cathode bonding pressure (MPa)", "contact fraction (0-1)",
                    y_range=(0, 1))
    contact.line("curve", "", OKABE_ITO["blue"])
    contact.scatter("now", "your bonding", OKABE_ITO["vermillion"], size=12)
    contact.span("pre", 300.0)
    asr = Chart("Interface resistance", "cathode bonding pressure (MPa)", "interface ASR (Ω·cm²)", legend="below")
    asr.line("curve", "", OKABE_ITO["green"])
    asr.scatter("now", "your bonding", OKABE_ITO["vermillion"], size=12)
    asr.span("pre", 300.0)
    legend = w.HTML("<i>Dashed line: the pre-compaction pressure of the separator.</i>")
    asr_words = w.HTML("<i>ASR, the area-specific resistance: a resistance times the area the current crosses "
                       "(Ω·cm²), so that cells of any size compare; lower is better.</i>")
    asr_words.add_class("pb-asr-words")

    @safe(msg)
    def curves(_=None):
        P0 = clamp(pre.value, 100.0, 500.0, 300.0)
        s = L.bonding_sweep(grid, P0)
        contact.set("curve", s["pressure"], s["contact"])
        asr.set("curve", s["pressure"], s["asr"])
        contact.set_span("pre", P0)
        asr.set_span("pre", P0)
        point()

    @safe(msg)
    def point(_=None):
        P0 = clamp(pre.value, 100.0, 500.0, 300.0)
        Pb = clamp(bond.value, 100.0, 700.0, 450.0)
        o = simulate(L.cathode_on_se(P0, Pb))
        i = o.interface("cathode|separator")
        contact.set("now", [Pb], [i.contact_fraction])
        asr.set("now", [Pb], [i.asr])
        crack = o.risk("cathode particle cracking")
        diff = Pb - P0
        readout.value = (f"Differential pressure <b>{diff:+.0f} MPa</b> ({'above' if diff > 0 else 'not above'} the "
                         f"pre-compaction): contact fraction <b>{i.contact_fraction:.2f}</b>, interface ASR "
                         f"<b>{num(i.asr, '.2f', 'Ω·cm²')}</b>, whole-cell ASR "
                         f"{num(o.impedance.total_asr, '.0f', 'Ω·cm²')}; cathode particle cracking "
                         f"{level_html(crack.level)} ({crack.score:.2f}). "
                         + designer_link(o.design, "Open these two layers in the designer"))

    pre.observe(curves, names="value")
    bond.observe(point, names="value")
    curves()
    observe = w.VBox([pre, bond, asr_words, readout, w.HBox([contact.widget(), asr.widget()]), legend, msg])
    p, c = L.PARTS["bonding"]
    return PredictObserveExplain("bonding", title, p(), observe,
                                 lambda: L.explain_bonding(clamp(bond.value, 100, 700, 450),
                                                           clamp(pre.value, 100, 500, 300)), c(), part="part 3")


# ------------------------------------------------------------------ part 4
@guarded
def part_anode(title: str = "") -> PredictObserveExplain:
    msg = Message()
    pressure = w.FloatLogSlider(value=10.0, base=10, min=-0.5, max=2.5, step=0.05,
                                description="anode pressure (MPa)", continuous_update=False, readout_format=".3g",
                                style={"description_width": "230px"}, layout=w.Layout(width="640px"))
    pressure.add_class("pb-anode-pressure")
    thickness = w.Dropdown(options=[("20 µm", 20.0), ("50 µm", 50.0), ("100 µm", 100.0), ("500 µm", 500.0)],
                           value=50.0, description="lithium foil", style={"description_width": "230px"},
                           layout=w.Layout(width="640px"))
    readout = _readout("pb-anode-readout")
    grid = np.logspace(-0.5, 2.5, 31)
    chart = Chart("Lithium foil: contact vs risks", "anode pressure (MPa, log scale)", "fraction or risk score (0-1)",
                  x_axis_type="log", y_range=(-0.02, 1.05), width=620, legend="below")
    chart.line("contact", "Li|separator contact fraction", OKABE_ITO["blue"])
    chart.line("extrusion", "extrusion risk", OKABE_ITO["vermillion"], dash="dashed")
    chart.line("creep", "lithium creep-short risk", OKABE_ITO["purple"], dash="dotdash")
    chart.scatter("now", "your pressure", OKABE_ITO["black"], size=11, fill=False)
    chart.span("flow", L.extrusion_pressure(50.0), colour=OKABE_ITO["vermillion"])
    note = w.HTML("<i>Dashed vertical line: the pressure at which this foil starts to creep out of a 10 mm die "
                  "through the gap between punch and die (extrusion risk medium, 1 min hold). The markers sit on the contact curve.</i>")

    @safe(msg)
    def curves(_=None):
        t = clamp(thickness.value, 5.0, 2000.0, 50.0)
        s = L.anode_sweep(grid, t)
        chart.set("contact", grid, s["contact"])
        chart.set("extrusion", grid, s["extrusion"])
        chart.set("creep", grid, s["creep"])
        chart.set_span("flow", L.extrusion_pressure(t))
        point()

    @safe(msg)
    def point(_=None):
        t = clamp(thickness.value, 5.0, 2000.0, 50.0)
        P = clamp(pressure.value, 0.1, 1000.0, 10.0)
        o = simulate(L.three_step(anode=P, li_thickness=t))
        i = o.interface("separator|anode")
        ex, cr = o.risk("metal extrusion"), o.risk("lithium creep short")
        chart.set("now", [P], [i.contact_fraction])
        readout.value = (f"{t:g} µm lithium pressed at <b>{P:.3g} MPa</b>: contact fraction "
                         f"<b>{i.contact_fraction:.3f}</b> (ASR {num(i.asr, '.2f', 'Ω·cm²')}); extrusion "
                         f"{level_html(ex.level)} ({ex.score:.2f}), creep short {level_html(cr.level)} ({cr.score:.2f}). "
                         + designer_link(o.design, "Open this cell in the designer"))

    thickness.observe(curves, names="value")
    pressure.observe(point, names="value")
    curves()
    observe = w.VBox([pressure, thickness, readout, chart.widget(), note, msg])
    p, c = L.PARTS["anode"]
    return PredictObserveExplain("anode", title, p(), observe,
                                 lambda: L.explain_anode(clamp(pressure.value, 0.1, 1000, 10),
                                                         clamp(thickness.value, 5, 2000, 50)), c(), part="part 4")


# ------------------------------------------------------------------ part 5
@guarded
def part_failures(title: str = "") -> PredictObserveExplain:
    msg = Message()
    rows = L.procedure_table()
    labels = [r["label"] for r in rows]
    pick = w.ToggleButtons(options=labels, value="co-pressed", description="procedure",
                           style={"button_width": "auto"})
    pick.add_class("pb-failures-pick")
    bars = Bars("Total ASR of the cell (lower is better)", labels, "total ASR (Ω·cm²)", width=620)
    risks = w.HTML("")
    risks.add_class("pb-failures-risks")
    scale = slider("pressure scale", 1.0, 0.1, 2.5, 0.05, "× reference", css="pb-failures-scale", fmt=".2f")
    grid = np.round(np.arange(0.1, 2.55, 0.1), 2)
    sw = L.scale_sweep(grid)
    asr = Chart("Scaling both high-pressure steps", "pressure scale (1 = 300 / 450 MPa)", "total ASR (Ω·cm²)",
                width=430, height=260)
    asr.line("curve", "", OKABE_ITO["blue"], sw["scale"], sw["total_asr"])
    asr.scatter("now", "", OKABE_ITO["vermillion"], size=11)
    risk = Chart("... and the worst risk", "pressure scale (1 = 300 / 450 MPa)", "worst risk score (0-1)",
                 width=430, height=260, y_range=(-0.02, 1.05))
    risk.line("curve", "", OKABE_ITO["vermillion"], sw["scale"], sw["worst_risk"])
    risk.scatter("now", "", OKABE_ITO["black"], size=11, fill=False)
    scale_readout = _readout("pb-failures-scale-readout")

    @safe(msg)
    def show(_=None):
        chosen = pick.value if pick.value in labels else "three-step"
        colours = [OKABE_ITO["vermillion"] if lab == chosen else OKABE_ITO["sky"] for lab in labels]
        bars.set([r["total_asr"] for r in rows], [num(r["total_asr"], ".0f") for r in rows], colours)
        row = next(r for r in rows if r["label"] == chosen)
        o = row["outcome"]
        body = [[html.escape(r.name), html.escape(r.subject), level_html(r.level), f"{r.score:.2f}",
                 html.escape(plain_units(r.reason))] for r in o.risks if r.score >= 0.05][:6]  # µm, not um
        risks.value = (f"<b>{html.escape(chosen)}</b>: " + html.escape(o.design.title) + "<br>" +
                       (table(["risk", "layer", "level", "score", "why (model)"], body) if body
                        else "no risk above a score of 0.05") + "<br>"
                       + designer_link(o.design, "Open this procedure in the designer"))

    @safe(msg)
    def scaled(_=None):
        s = clamp(scale.value, 0.1, 2.5, 1.0)
        o = simulate(L.three_step(L.REF["se"] * s, L.REF["cathode"] * s))
        r, score = L.worst(o)
        asr.set("now", [s], [o.impedance.total_asr])
        risk.set("now", [s], [score])
        scale_readout.value = (f"Separator at <b>{L.REF['se'] * s:.0f} MPa</b>, cathode at "
                               f"<b>{L.REF['cathode'] * s:.0f} MPa</b>: total ASR "
                               f"<b>{num(o.impedance.total_asr, '.0f', 'Ω·cm²')}</b>; worst risk "
                               + (f"{html.escape(r.name)} ({html.escape(r.subject)}) {level_html(r.level)} "
                                  f"({r.score:.2f})" if r else "none") + ". "
                               + designer_link(o.design, "Open it in the designer"))

    pick.observe(show, names="value")
    scale.observe(scaled, names="value")
    show()
    scaled()
    observe = w.VBox([pick, bars.widget(), risks,
                      w.HTML("<b>Between the extremes:</b> scale the separator and cathode pressures together."),
                      scale, scale_readout, w.HBox([asr.widget(), risk.widget()]), msg])
    p, c = L.PARTS["failures"]
    return PredictObserveExplain("failures", title, p(), observe,
                                 L.explain_failures, c(), part="part 5")
