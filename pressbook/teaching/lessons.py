"""The story of "Why multi-step pressing?": designs, sweeps, questions and explanations.

Every number shown to the student comes from ``pressbook.simulate`` (or a model function) at the
moment it is asked for. Five parts, each with a prediction question, an explanation and a check:

1. voids      porosity vs ionic conductivity of one SE pellet
2. substrate  the pre-compacted, flat SE substrate limits intermixing with the cathode
3. bonding    the differential pressure of cathode bonding (above vs below the pre-compaction)
4. anode      the gentle anode step: lithium contact vs extrusion and creep
5. failures   under-pressing, over-pressing and pressing everything at once
"""
from __future__ import annotations

import math

import numpy as np

from .. import presets
from ..design import Design, Step
from ..materials import default_library
from ..models import mechanics as mech
from ..simulate import simulate
from ..views.words import plain_units  # the model's reasons say um; µm for the pages and the guide
from .questions import Question
from .text import num, pct, sentence

#: the reference procedure of the story (presets.three_step)
REF = {"se": 300.0, "cathode": 450.0, "anode": 10.0}
MECHANICAL = ("under-pressing", "SE cracking", "cathode particle cracking", "metal extrusion", "lithium creep short",
              "intermixing short", "delamination", "no separator")


# ===================================================================== designs
def three_step(se: float = REF["se"], cathode: float = REF["cathode"], anode: float = REF["anode"], *,
               separator_mass: float = 80.0, li_thickness: float = 50.0, stack: float = 5.0,
               se_temperature: float = 25.0) -> Design:
    """The three-step cell of presets.three_step with its pressures (MPa) and a few sizes changed."""
    d = presets.three_step()
    d.steps[0].pressure, d.steps[1].pressure, d.steps[2].pressure = float(se), float(cathode), float(anode)
    d.steps[0].temperature = float(se_temperature)
    d.layer("separator").mass = float(separator_mass)
    d.layer("anode").thickness = float(li_thickness)
    d.operation.stack_pressure = float(stack)
    d.title = f"three-step {se:.0f} / {cathode:.0f} / {anode:g} MPa"
    return d


def co_press(pressure: float = 450.0, *, separator_mass: float = 80.0) -> Design:
    """All three layers loaded, then pressed once."""
    d = presets.co_press()
    d.steps[0].pressure = float(pressure)
    d.layer("separator").mass = float(separator_mass)
    d.title = f"co-pressed at {pressure:.0f} MPa"
    return d


def cathode_on_se(precompaction: float, bonding: float = REF["cathode"], anode: float = REF["anode"]) -> Design:
    """SE pre-compacted at ``precompaction`` MPa (0: not at all, SE and cathode pressed together), then the
    cathode bonded at ``bonding`` MPa, then lithium at ``anode`` MPa."""
    d = presets.three_step()
    if precompaction <= 0:
        d.steps = [Step(add=["separator", "cathode"], pressure=float(bonding), hold=300.0),
                   Step(add=["anode"], pressure=float(anode), hold=60.0)]
    else:
        d.steps[0].pressure, d.steps[1].pressure, d.steps[2].pressure = float(precompaction), float(bonding), float(anode)
    return d


def se_pellet(pressure: float, material: str = "Li6PS5Cl", mass: float = 100.0) -> Design:
    d = presets.se_pellet()
    d.steps[0].pressure = float(pressure)
    d.layers[0].material = material
    d.layers[0].mass = float(mass)
    d.title = f"{material} pellet, {pressure:.0f} MPa"
    return d


def procedures() -> dict:
    """The procedures of part 5, by label."""
    return {
        "under-pressed": presets.under_pressed(),
        "three-step": presets.three_step(),
        "over-pressed": presets.over_pressed(),
        "co-pressed": presets.co_press(),
        "cathode below pre-compaction": presets.two_step_reverse(),
    }


# ===================================================================== sweeps (arrays for the plots)
def pellet_sweep(pressures, material: str = "Li6PS5Cl", mass: float = 100.0) -> dict:
    """Porosity (fraction), conductivity (mS/cm), thickness (um) and resistance (ohm) of one SE pellet vs pressure."""
    rows = [simulate(se_pellet(p, material, mass)).layers[0] for p in pressures]
    return {"pressure": np.asarray(pressures, float),
            "porosity": np.array([r.porosity for r in rows]),
            "conductivity": np.array([r.ionic_conductivity for r in rows]),
            "thickness": np.array([r.thickness for r in rows]),
            "resistance": np.array([r.resistance for r in rows])}


def pellet_state(pressure: float, material: str = "Li6PS5Cl", mass: float = 100.0):
    return simulate(se_pellet(pressure, material, mass)).layers[0]


def bonding_sweep(bonding_pressures, precompaction: float = REF["se"]) -> dict:
    """Cathode|SE contact fraction, its ASR (ohm cm2), intermixed depth (um) and the cell's total ASR vs bonding pressure."""
    outs = [simulate(cathode_on_se(precompaction, b)) for b in bonding_pressures]
    itf = [o.interface("cathode|separator") for o in outs]
    return {"pressure": np.asarray(bonding_pressures, float),
            "contact": np.array([i.contact_fraction for i in itf]),
            "asr": np.array([i.asr for i in itf]),
            "intermixing": np.array([i.intermixing_depth for i in itf]),
            "total_asr": np.array([o.impedance.total_asr for o in outs]),
            "weak_bond": np.array([o.risk("weak cathode bond", "cathode|separator").score for o in outs])}


def precompaction_sweep(pre_pressures, bonding: float = REF["cathode"]) -> dict:
    """Intermixed depth (um) at the cathode|SE interface and the intermixing-short score vs SE pre-compaction."""
    outs = [simulate(cathode_on_se(p, bonding)) for p in pre_pressures]
    return {"pressure": np.asarray(pre_pressures, float),
            "intermixing": np.array([o.interface("cathode|separator").intermixing_depth for o in outs]),
            "short_score": np.array([_score(o, "intermixing short") for o in outs]),
            "contact": np.array([o.interface("cathode|separator").contact_fraction for o in outs])}


def anode_sweep(pressures, li_thickness: float = 50.0) -> dict:
    """Li|SE contact, its ASR, and the extrusion and creep-short scores vs the anode pressure."""
    outs = [simulate(three_step(anode=p, li_thickness=li_thickness)) for p in pressures]
    itf = [o.interface("separator|anode") for o in outs]
    return {"pressure": np.asarray(pressures, float),
            "contact": np.array([i.contact_fraction for i in itf]),
            "asr": np.array([i.asr for i in itf]),
            "extrusion": np.array([_score(o, "metal extrusion") for o in outs]),
            "creep": np.array([_score(o, "lithium creep short") for o in outs])}


def extrusion_pressure(li_thickness_um: float, level: str = "medium") -> float:
    """Anode pressure (MPa) at which the model's metal-extrusion risk of the lesson's cell (10 mm die, a lithium
    foil of this thickness filling the die, the preset's hold and punch-die clearance) reaches ``level``: "medium",
    or "start" where the risk starts (score above 0, still low: the foil loses 0.5 % of its thickness into the
    clearance). The confined foil creeps out through the clearance (models.mechanics). Found by bisection on
    simulate()."""
    def reached(P):
        score = simulate(three_step(anode=P, li_thickness=li_thickness_um)).risk("metal extrusion").score
        return score > 0 if level == "start" else mech.level(score) != "low"

    lo, hi = 0.1, 2000.0
    if reached(lo) or not reached(hi):
        return lo if reached(lo) else hi
    for _ in range(30):  # log bisection to about 0.1 %
        mid = (lo * hi) ** 0.5
        lo, hi = (lo, mid) if reached(mid) else (mid, hi)
    return hi


def scale_sweep(scales) -> dict:
    """Total ASR and the worst mechanical risk when the SE and cathode pressures of the three-step
    procedure are both multiplied by ``scale`` (the anode step stays at 10 MPa)."""
    outs = [simulate(three_step(REF["se"] * s, REF["cathode"] * s)) for s in scales]
    return {"scale": np.asarray(scales, float),
            "total_asr": np.array([o.impedance.total_asr for o in outs]),
            "worst_risk": np.array([worst(o)[1] for o in outs])}


def _score(outcome, name) -> float:
    scores = [r.score for r in outcome.risks if r.name == name]
    return max(scores) if scores else 0.0


def worst(outcome):
    """(risk, score) of the worst risk, or (None, 0)."""
    r = outcome.worst_risk
    return (r, r.score) if r is not None else (None, 0.0)


# ===================================================================== formatting
def risk_words(r) -> str:
    return f"{r.name} of the {r.subject} ({r.level}, score {r.score:.2f})"


# ===================================================================== part 1: voids and ion pathways
def q_voids_predict() -> Question:
    lo, hi = 150.0, 450.0

    def judge():
        a, b = pellet_state(lo), pellet_state(hi)
        r = b.ionic_conductivity / a.ionic_conductivity
        key = "same" if abs(r - 1) < 0.05 else "down" if r < 1 else "triple" if r > 2.5 else "less"
        stack = presets.se_pellet().operation.stack_pressure
        held = simulate(_at_stack(se_pellet(hi), 50.0)).layers[0]
        why = (f"From {lo:.0f} to {hi:.0f} MPa the porosity falls from {pct(a.porosity)} to {pct(b.porosity)} and the "
               f"conductivity goes from {a.ionic_conductivity:.2f} to {b.ionic_conductivity:.2f} mS/cm: "
               f"× {r:.2f} for × {hi / lo:.0f} the pressure. The pellet is measured under {stack:g} MPa: released from "
               f"the press it keeps only {pct(b.grain_contact)} of its grain contacts closed, so its conductivity follows "
               f"the pressure it is held at more than the pressure it was made at (held at 50 MPa it conducts "
               f"{held.ionic_conductivity:.2f} mS/cm).")
        return key, why

    return Question(
        prompt=f"A Li6PS5Cl pellet pressed at {lo:.0f} MPa is pressed at {hi:.0f} MPa instead (3 × the pressure). "
               "Its ionic conductivity will …",
        choices=[("triple", "rise about 3 ×, like the pressure"),
                 ("less", "rise, but clearly less than 3 ×"),
                 ("same", "stay about the same"),
                 ("down", "fall: the particles are crushed")],
        judge=judge)


def _at_stack(d: Design, stack: float) -> Design:
    d.operation.stack_pressure = float(stack)
    return d


def explain_voids(pressure: float, material: str = "Li6PS5Cl") -> str:
    lib = default_library()
    m = lib.get(material)
    s = pellet_state(pressure, material)
    dense = m["ionic_conductivity"]
    Dc = m["percolation_density"]
    loose = pellet_state(30.0, material)
    stack = presets.se_pellet().operation.stack_pressure
    sweep = pellet_sweep(np.arange(50.0, 1010.0, 50.0), material)
    best = float(sweep["pressure"][int(np.argmax(sweep["conductivity"]))])
    k = m["contact_retention"]
    falls = (f"Past about {best:.0f} MPa the conduction falls again: pressing far beyond densification cracks "
             f"grains and smears their boundaries (over-pressing), while the density barely rises."
             if best < 1000.0 else "Over this range the conduction keeps rising.")
    return (
        f"<p>At {pressure:.0f} MPa the {material} pellet keeps {pct(s.porosity)} of its volume as voids and conducts "
        f"{s.ionic_conductivity:.2f} mS/cm, {pct(s.ionic_conductivity / dense)} of the dense solid's "
        f"{dense:.2f} mS/cm. At 30 MPa it would keep {pct(loose.porosity)} voids and conduct "
        f"{loose.ionic_conductivity:.2f} mS/cm.</p>"
        f"<p>Ions move only through solid particles and the necks between them; a void is a dead end. "
        f"Pressing flattens the contacts and closes the voids, so the conducting paths widen and straighten. "
        f"The model's law is σ = σ<sub>dense</sub>·((D − D<sub>c</sub>)/(1 − D<sub>c</sub>))<sup>t</sup>·g·h: below a "
        f"relative density D<sub>c</sub> = {Dc:.2f} the particles barely touch and almost nothing conducts; g is the "
        f"share of grain contacts that are closed: this pellet keeps {pct(k)} of the contact it was pressed to when "
        f"the press is released, and the {stack:g} MPa it is measured under closes part of the rest (measured at "
        f"higher pressure, it conducts more); h is the over-pressing loss. Each extra MPa closes fewer voids than the "
        f"one before (Heckel: ln(1/(1−D)) grows only linearly with pressure), so the gain flattens out. {falls}</p>")


def q_voids_check() -> Question:
    def judge():
        base = pellet_state(300.0, mass=80.0)
        hard = pellet_state(450.0, mass=80.0)
        thin = pellet_state(300.0, mass=40.0)
        key = "thinner" if thin.resistance < hard.resistance else "harder"
        why = (f"80 mg at 300 MPa: {num(base.resistance, '.1f', 'Ω')}. At 450 MPa: {num(hard.resistance, '.1f', 'Ω')} "
               f"({pct(1 - hard.resistance / base.resistance)} less). Half the powder at 300 MPa: "
               f"{num(thin.resistance, '.1f', 'Ω')} ({pct(1 - thin.resistance / base.resistance)} less). Resistance is "
               f"thickness / (σ·area): halving the thickness halves it, while pressure gains only a little σ.")
        return key, why

    return Question(
        prompt="Check: your 80 mg Li6PS5Cl separator, pressed at 300 MPa, has too high a resistance. "
               "Which change lowers its resistance more?",
        choices=[("harder", "press it at 450 MPa instead"), ("thinner", "use 40 mg of powder, still at 300 MPa")],
        judge=judge)


# ===================================================================== part 2: the flat, pre-compacted substrate
def q_substrate_predict() -> Question:
    def judge():
        loose = simulate(cathode_on_se(0.0)).interface("cathode|separator").intermixing_depth
        pre = simulate(cathode_on_se(REF["se"])).interface("cathode|separator").intermixing_depth
        key = "same" if abs(loose - pre) < 0.1 * max(loose, pre) else "precompacted" if pre < loose else "loose"
        why = (f"Cathode bonded at {REF['cathode']:.0f} MPa: onto loose SE powder the particles mix over "
               f"{loose:.1f} µm; onto SE pre-compacted at {REF['se']:.0f} MPa over {pre:.1f} µm.")
        return key, why

    return Question(
        prompt="You pour the cathode composite (NCM811 + Li6PS5Cl) on top of the separator powder and press at 450 MPa. "
               "Where will the cathode and separator particles mix over a thinner zone?",
        choices=[("loose", "on loose SE powder, pressed together with the cathode"),
                 ("precompacted", "on an SE layer pre-compacted at 300 MPa first"),
                 ("same", "no difference: the same final pressure gives the same interface")],
        judge=judge)


def explain_substrate(precompaction: float) -> str:
    lib = default_library()
    d_cam = lib.get("NCM811")["particle_size"]
    loose = simulate(cathode_on_se(0.0))
    here = simulate(cathode_on_se(precompaction))
    flat = simulate(cathode_on_se(REF["cathode"]))
    i0, i1, i2 = (o.interface("cathode|separator") for o in (loose, here, flat))
    sep = here.layer("separator").thickness
    return (
        f"<p>Onto loose powder the coarse cathode particles (d50 {d_cam:.0f} µm) are pushed "
        f"{i0.intermixing_depth:.1f} µm deep ({i0.intermixing_depth / d_cam:.1f} particle diameters). With your "
        f"pre-compaction at {precompaction:.0f} MPa the zone is {i1.intermixing_depth:.1f} µm; pre-compacted at the "
        f"bonding pressure itself ({REF['cathode']:.0f} MPa) it shrinks to {i2.intermixing_depth:.1f} µm, the roughness "
        f"of a flat, dense surface.</p>"
        f"<p>A pre-compacted separator is a dense, flat substrate: its particles are locked in place and yield again only "
        f"where the new pressure exceeds the old one. The separator here is {sep:.0f} µm thick, so the intermixing "
        f"short risk is {here.risk('intermixing short').level} ({here.risk('intermixing short').score:.2f}). It "
        f"matters most for thin separators: conductive cathode particles reaching deep into the separator can short "
        f"the cell.</p>")


def q_substrate_check() -> Question:
    mass = 20.0

    def judge():
        o = simulate(co_press(separator_mass=mass))
        r = o.risk("intermixing short")
        why = (f"Co-pressed with a {mass:.0f} mg separator ({o.layer('separator').thickness:.0f} µm), the "
               f"intermixing-short risk is {r.level} (score {r.score:.2f}): {plain_units(r.reason)}.")
        return r.level, why

    return Question(
        prompt=f"Check: the same co-pressing at 450 MPa, but with a thin separator ({mass:.0f} mg instead of 80 mg). "
               "The model's intermixing-short risk is …",
        choices=[("low", "low"), ("medium", "medium"), ("high", "high")],
        judge=judge)


# ===================================================================== part 3: differential pressure of cathode bonding
def q_bonding_predict() -> Question:
    pre, below, above = REF["se"], 250.0, 450.0

    def judge():
        s = bonding_sweep([below, above], pre)
        f_lo, f_hi = s["contact"]
        key = "same" if abs(f_hi - f_lo) < 0.05 else "above" if f_hi > f_lo else "below"
        why = (f"On the SE pre-compacted at {pre:.0f} MPa, the cathode|SE contact fraction is {f_lo:.2f} after bonding at "
               f"{below:.0f} MPa and {f_hi:.2f} at {above:.0f} MPa; the interface ASR {num(s['asr'][0])} vs "
               f"{num(s['asr'][1], unit='Ω·cm²')}.")
        return key, why

    return Question(
        prompt=f"The separator was pre-compacted at {pre:.0f} MPa. You bond the cathode onto it at {below:.0f} MPa or at "
               f"{above:.0f} MPa. The cathode|separator contact will be …",
        choices=[("above", f"clearly better at {above:.0f} MPa"),
                 ("same", "about the same: any pressure glues powder to a pellet"),
                 ("below", f"better at {below:.0f} MPa: less pressure, less damage")],
        judge=judge)


def bonding_slopes(precompaction: float = REF["se"], span: float = 100.0) -> tuple[float, float]:
    """Contact fraction gained per ``span`` MPa just below and just above the pre-compaction pressure."""
    s = bonding_sweep([precompaction - span, precompaction, precompaction + span], precompaction)
    f = s["contact"]
    return float(f[1] - f[0]), float(f[2] - f[1])


def explain_bonding(bonding: float, precompaction: float) -> str:
    below, above = bonding_slopes(precompaction)
    s = bonding_sweep([bonding], precompaction)
    lib = default_library()
    H_se = lib.get("Li6PS5Cl")["yield_pressure"]
    state = ("above" if bonding > precompaction else "not above")
    return (
        f"<p>Your bonding at {bonding:.0f} MPa is {state} the pre-compaction pressure ({precompaction:.0f} MPa): contact "
        f"fraction {s['contact'][0]:.2f}, interface ASR {num(s['asr'][0], unit='Ω·cm²')}, whole-cell ASR "
        f"{num(s['total_asr'][0], '.0f', 'Ω·cm²')}.</p>"
        f"<p>In the {100:.0f} MPa below {precompaction:.0f} MPa the contact grows by {below:.3f}; in the {100:.0f} MPa above, "
        f"by {above:.3f}. Below the pre-compaction pressure only the loose cathode deforms onto a surface that does "
        f"not give way. Above it, the separator's surface yields again too (its hardness in the model: "
        f"{H_se:.0f} MPa) and both sides flow into each other. That excess is the <b>differential pressure</b> of the "
        f"multi-step procedure: pre-compact the separator lower than you bond the cathode.</p>"
        f"<p>The bond itself: at {bonding:.0f} MPa the model's weak-bond risk is {mech.level(s['weak_bond'][0])} "
        f"({s['weak_bond'][0]:.2f}). Bonded at or below the pre-compaction pressure, the particles interlock only over "
        f"the separator's surface roughness: the cathode adheres poorly and can delaminate in use.</p>"
        f"<p>Note: in this model the whole-cell ASR also falls with bonding pressure because the cathode itself "
        f"densifies (more active-material|SE contact inside the composite); that part does not depend on the "
        f"pre-compaction.</p>")


def q_bonding_check() -> Question:
    a, b = (100.0, 380.0), (370.0, 370.0)

    def judge():
        fa = simulate(three_step(*a)).interface("cathode|separator").contact_fraction
        fb = simulate(three_step(*b)).interface("cathode|separator").contact_fraction
        key = "minnmann" if fa > fb else "doux"
        why = (f"Same cell, same lithium step: {a[0]:.0f} then {a[1]:.0f} MPa gives a cathode|SE contact fraction "
               f"of {fa:.2f}; {b[0]:.0f} then {b[1]:.0f} MPa gives {fb:.2f}. Only the first has a differential pressure "
               f"({a[1] - a[0]:.0f} MPa).")
        return key, why

    return Question(
        prompt="Check: two published procedures, compared in the same cell. Which makes the better cathode|separator "
               "contact?",
        choices=[("minnmann", "SE at 100 MPa, then cathode at 380 MPa (Minnmann 2021)"),
                 ("doux", "SE at 370 MPa, then cathode at 370 MPa (Doux 2020)")],
        judge=judge)


# ===================================================================== part 4: the gentle anode step
ANODE_CHOICES = {"p450": 450.0, "p100": 100.0, "p20": 20.0, "p1": 1.0}


def best_anode_pressure(candidates=ANODE_CHOICES) -> tuple[str, dict]:
    """Key of the candidate with the best Li|SE contact among those whose extrusion and creep risks are low
    (ties: the lower pressure), and the numbers of all candidates."""
    s = anode_sweep(list(candidates.values()))
    rows = {}
    for k, (c, e, cr) in zip(candidates, zip(s["contact"], s["extrusion"], s["creep"])):
        rows[k] = {"pressure": candidates[k], "contact": float(c), "extrusion": float(e), "creep": float(cr)}
    safe = [k for k, r in rows.items() if mech.level(r["extrusion"]) == "low" and mech.level(r["creep"]) == "low"]
    pool = safe or list(rows)
    best = max(pool, key=lambda k: (round(rows[k]["contact"], 3), -rows[k]["pressure"]))
    return best, rows


def q_anode_predict() -> Question:
    def judge():
        key, rows = best_anode_pressure()
        parts = [f"{r['pressure']:g} MPa: contact {r['contact']:.3f}, extrusion {r['extrusion']:.2f}, "
                 f"creep short {r['creep']:.2f}" for r in rows.values()]
        return key, "Scores from 0 (safe) to 1: " + "; ".join(parts) + "."

    return Question(
        prompt="Last, a 50 µm lithium foil goes on top of the separator. Which pressure gives the best Li|separator "
               "contact while keeping the risks of the foil low?",
        choices=[(k, f"about {p:g} MPa") for k, p in ANODE_CHOICES.items()],
        judge=judge)


def explain_anode(pressure: float, li_thickness: float = 50.0) -> str:
    lib = default_library()
    li = lib.get("Li")
    sy, H_c = li["yield_strength"], li["contact_hardness"]
    d = three_step(anode=pressure, li_thickness=li_thickness)
    o = simulate(d)
    i = o.interface("separator|anode")
    stack = d.operation.stack_pressure
    p_start, p_flow = extrusion_pressure(li_thickness, "start"), extrusion_pressure(li_thickness)
    ex, cr = o.risk("metal extrusion"), o.risk("lithium creep short")
    P = f"{pressure:.3g}"  # the slider is logarithmic: 25.1189 MPa reads as 25.1 MPa
    return (
        f"<p>Bulk lithium yields at about {sy:g} MPa, but the micrometre-sized spots where it touches the rough separator "
        f"are much stronger: the model's contact hardness is about {H_c:g} MPa for a 1 min hold, and lower the longer the "
        f"pressure is held (lithium creeps). In the cell, after {P} MPa and an hour at the {stack:g} MPa stack "
        f"pressure, the {li_thickness:g} µm foil touches {100 * i.contact_fraction:.0f} % of the surface (ASR "
        f"{num(i.asr, unit='Ω·cm²')}). Contact made at a higher pressure is largely kept, so the pressing history and the "
        f"stack pressure both matter.</p>"
        f"<p>Too much pressure makes the soft metal creep out of the die through the narrow gap between punch and die: "
        f"a {li_thickness:g} µm foil filling a 10 mm die starts to lose metal into that gap (the extrusion risk starts, "
        f"still low) at about {p_start:.2g} MPa and reaches a medium extrusion risk above about {p_flow:.0f} MPa "
        f"(1 min hold); at {P} MPa the risk is {ex.level} ({ex.score:.2f}). Lithium also "
        f"creeps into the separator's pores and can short the cell: risk {cr.level} ({cr.score:.2f}); Doux 2020 saw "
        f"shorts at once when Li was pressed at 75 MPa. That is why the anode step is the gentle one and comes last, "
        f"after the separator and cathode have been densified at high pressure.</p>")


def q_anode_check() -> Question:
    thin, thick = 50.0, 500.0

    def judge():
        a, b = extrusion_pressure(thin), extrusion_pressure(thick)
        key = "thick_lower" if b < a else "thick_higher"
        why = (f"In a 10 mm die a {thin:g} µm foil that fills the die reaches a medium extrusion risk at about "
               f"{a:.0f} MPa, a {thick:g} µm foil at about {b:.0f} MPa. The metal creeps out through the narrow gap "
               f"between punch and die, and what fits in that gap is a much smaller share of a thick foil. (A foil cut "
               f"smaller than the die first spreads outwards, and a thick one spreads more easily, but it stops at "
               f"the die wall.)")
        return key, why

    return Question(
        prompt=f"Check: Doux 2020 used a {thick:g} µm lithium foil instead of {thin:g} µm. The pressure at which it "
               f"starts to squeeze out of the die is …",
        choices=[("thick_higher", "higher: the gap takes a smaller share of a thick foil"),
                 ("thick_lower", "lower: a thick foil squeezes out more easily")],
        judge=judge)


# ===================================================================== part 5: under, over, all at once
RISK_GROUPS = {"lithium": ("metal extrusion", "lithium creep short"),
               "cracking": ("SE cracking", "cathode particle cracking", "delamination"),
               "porous": ("under-pressing",),
               "intermixing": ("intermixing short", "no separator")}


def risk_group(name: str) -> str:
    return next((g for g, names in RISK_GROUPS.items() if name in names), "other")


def q_failures_predict() -> Question:
    def judge():
        o = simulate(presets.co_press())
        r = o.worst_risk
        if r is None or r.level == "low":
            return "nothing", "No risk of the co-pressed cell is above low."
        high = [x for x in o.risks if x.level == "high"]
        why = ("Co-pressed at 450 MPa: " + "; ".join(risk_words(x) for x in high or [r]) + ". " + sentence(plain_units(r.reason)) + ".")
        return (risk_group(r.name) if risk_group(r.name) in ("lithium", "cracking", "porous") else "lithium"), why

    return Question(
        prompt="Pressing all three layers at once at 450 MPa (co-pressing) would save two steps. What goes wrong first?",
        choices=[("porous", "the layers stay porous"),
                 ("cracking", "the separator or the cathode particles crack"),
                 ("lithium", "the lithium is squeezed out and into the separator"),
                 ("nothing", "nothing: one step is as good as three")],
        judge=judge)


def procedure_table() -> list[dict]:
    """One row per procedure of part 5: total ASR, worst risk, separator porosity."""
    rows = []
    for label, d in procedures().items():
        o = simulate(d)
        r, s = worst(o)
        rows.append({"label": label, "total_asr": o.impedance.total_asr, "worst": r, "score": s,
                     "separator_porosity": o.layer("separator").porosity,
                     "cathode_porosity": o.layer("cathode").porosity, "outcome": o})
    return rows


def explain_failures() -> str:
    rows = {r["label"]: r for r in procedure_table()}
    ref, under, over, co = rows["three-step"], rows["under-pressed"], rows["over-pressed"], rows["co-pressed"]

    def compare(row):
        a, b = row["total_asr"], ref["total_asr"]
        if not (math.isfinite(a) and math.isfinite(b)):
            return "not comparable with the three-step procedure"
        r = a / b - 1
        return ("close to the three-step procedure" if abs(r) < 0.1 else
                f"{pct(abs(r))} {'below' if r < 0 else 'above'} the three-step procedure")

    lowest = min(rows.values(), key=lambda r: r["total_asr"])["label"]

    def risks(row, n=2):
        rs = [x for x in row["outcome"].risks if x.level != "low"][:n]
        return "; ".join(risk_words(x) for x in rs) if rs else "no risk above low"

    def top(row) -> str:
        P = max(st.pressure for st in row["outcome"].design.steps)
        return f"{P / 1000:g} GPa" if P >= 1000 else f"{P:g} MPa"

    return (
        f"<p><b>Under-pressing</b> (at most {top(under)}): separator porosity {pct(under['separator_porosity'])}, total ASR "
        f"{num(under['total_asr'], '.0f', 'Ω·cm²')} against {num(ref['total_asr'], '.0f')} for the three-step procedure; "
        f"{risks(under)}. Voids block ions and a weak compact crumbles when handled.</p>"
        f"<p><b>Over-pressing</b> ({top(over)}): ASR {num(over['total_asr'], '.0f', 'Ω·cm²')}, {compare(over)}"
        f"{' and the lowest of all' if lowest == 'over-pressed' else ''}, bought with "
        f"{risks(over, 3)}. Cracks and delaminated layers are not in the ASR; they show up as shorts, capacity fade "
        f"and scatter between cells.</p>"
        f"<p><b>Pressing everything at once</b> ({top(co)}): ASR {num(co['total_asr'], '.0f', 'Ω·cm²')}, {compare(co)}, "
        f"but {risks(co, 3)}. The soft lithium sees the full pressure, and the loose separator lets the "
        f"cathode particles in.</p>"
        f"<p>The three-step procedure gives every layer the pressure it needs and no more: the separator is dense, "
        f"the cathode is bonded above the separator's pre-compaction pressure, and the lithium only touches down "
        f"({risks(ref)}).</p>")


def q_failures_check() -> Question:
    def judge():
        rows = procedure_table()
        best = min(rows, key=lambda r: r["total_asr"])
        key = best["label"]
        r = best["worst"]
        why = (f"{key}: total ASR {num(best['total_asr'], '.0f', 'Ω·cm²')}, the lowest of the five; its worst risk: "
               + (risk_words(r) if r is not None else "none") + ". A low ASR alone does not make a good cell.")
        return key, why

    labels = list(procedures())
    return Question(prompt="Check: which procedure gives the lowest total ASR (area-specific resistance)?",
                    choices=[(k, k) for k in labels], judge=judge)


#: the five parts, in order, as the UI builds them
PARTS = {
    "voids": (q_voids_predict, q_voids_check),
    "substrate": (q_substrate_predict, q_substrate_check),
    "bonding": (q_bonding_predict, q_bonding_check),
    "anode": (q_anode_predict, q_anode_check),
    "failures": (q_failures_predict, q_failures_check),
}

