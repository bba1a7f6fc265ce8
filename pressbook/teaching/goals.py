"""Choosing a protocol for a goal: ion transport, structural integrity or data reproducibility.

A few candidate protocols of the same cell are simulated. Each goal has a score computed from the
outcomes (lower is better):

* transport       total ASR (ohm cm2) of the cell; a protocol with any high risk is not eligible.
* integrity       the worst mechanical risk score (ties: the sum of all risk scores).
* reproducibility the spread of the total ASR when every pressing pressure is off by +-10 % and the stack
                  pressure by +-2 MPa (largest relative change); only protocols whose risks are all low are
                  eligible (a cell close to a failure threshold cracks or shorts in some builds, not others).

The recommendation is the best eligible candidate; its reasons and what it trades away against the
best candidates of the other goals are sentences built from the outcomes' numbers.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from ..design import Design
from ..errors import InvalidInputError
from ..simulate import simulate
from . import lessons
from .text import num, pct

GOALS = {
    "transport": "Ion transport efficiency (lowest cell resistance)",
    "integrity": "Structural integrity (no cracks, no extrusion, no shorts)",
    "reproducibility": "Data reproducibility (results insensitive to small errors)",
}
PRESSURE_ERROR = 0.10   # +-10 % on each step's pressure (gauge reading, load vs area)
STACK_ERROR = 2.0       # +-2 MPa on the stack pressure during measurement
LOW_RISK = 0.33         # risk scores below this are "low" (pressbook.models.mechanics.LEVELS)


def candidates() -> dict:
    """Candidate protocols of the story's cell (NCM811 composite | Li6PS5Cl | Li, 10 mm die): name -> (what, Design)."""
    def ts(se, cat, li, hold_cat=300.0, title=""):
        d = lessons.three_step(se, cat, li)
        d.steps[1].hold = hold_cat
        d.title = title
        return d

    c = {
        "three-step 300/450/10": ("SE 300 MPa, cathode 450 MPa, Li 10 MPa (the reference)", ts(300, 450, 10)),
        "gentle 200/350/5": ("SE 200 MPa, cathode 350 MPa, Li 5 MPa", ts(200, 350, 5)),
        "dense 400/500/10": ("SE 400 MPa, cathode 500 MPa, Li 10 MPa", ts(400, 500, 10)),
        "long hold 300/450/10": ("as the reference, cathode held 20 min instead of 5", ts(300, 450, 10, 1200.0)),
        "equal 370/370/10": ("SE and cathode both at 370 MPa (no differential pressure)", ts(370, 370, 10)),
        "co-press 450": ("all layers at once at 450 MPa", lessons.co_press(450.0)),
        "high 600/750/10": ("SE 600 MPa, cathode 750 MPa, Li 10 MPa", ts(600, 750, 10)),
    }
    for name, (_, d) in c.items():
        d.title = name
    return c


@dataclass
class Scored:
    name: str
    what: str
    design: Design
    outcome: object
    total_asr: float
    worst_name: str
    worst_score: float
    risk_sum: float
    spread: float                   # largest relative change of total ASR under the perturbations
    spread_cause: str               # which perturbation gave it
    high_risks: list = field(default_factory=list)

    def score(self, goal: str) -> float:
        if goal == "transport":
            return self.total_asr if not self.high_risks else math.inf
        if goal == "integrity":
            return self.worst_score + 1e-3 * self.risk_sum
        if goal == "reproducibility":
            return self.spread if self.worst_score < LOW_RISK else math.inf
        raise InvalidInputError("goal", goal, ", ".join(GOALS))


def _perturbed(design: Design):
    for k in range(len(design.steps)):
        for sign in (-1, 1):
            d = design.copy()
            d.steps[k].pressure *= 1 + sign * PRESSURE_ERROR
            yield f"step {k + 1} pressure {'+' if sign > 0 else '−'}{100 * PRESSURE_ERROR:.0f} %", d
    for sign in (-1, 1):
        d = design.copy()
        d.operation.stack_pressure = max(d.operation.stack_pressure + sign * STACK_ERROR, 0.0)
        yield f"stack pressure {'+' if sign > 0 else '−'}{STACK_ERROR:g} MPa", d


def score_candidate(name: str, what: str, design: Design) -> Scored:
    o = simulate(design)
    base = o.impedance.total_asr
    spread, cause = 0.0, "none"
    for label, d in _perturbed(design):
        v = simulate(d).impedance.total_asr
        ch = abs(v / base - 1) if math.isfinite(v) and math.isfinite(base) and base > 0 else math.inf
        if ch > spread:
            spread, cause = ch, label
    r = o.worst_risk
    return Scored(name=name, what=what, design=design, outcome=o, total_asr=base,
                  worst_name=f"{r.name} ({r.subject})" if r else "none", worst_score=r.score if r else 0.0,
                  risk_sum=sum(x.score for x in o.risks), spread=spread, spread_cause=cause,
                  high_risks=[x for x in o.risks if x.level == "high"])


def score_all() -> list[Scored]:
    return [score_candidate(n, w, d) for n, (w, d) in candidates().items()]


def ranking(goal: str, scored: list[Scored] | None = None) -> list[Scored]:
    if goal not in GOALS:
        raise InvalidInputError("goal", goal, ", ".join(GOALS))
    scored = scored if scored is not None else score_all()
    return sorted(scored, key=lambda s: (s.score(goal), s.total_asr))


@dataclass
class Recommendation:
    goal: str
    best: Scored
    reasons: list[str]
    tradeoffs: list[str]
    table: list[Scored]


def _risk_text(s: Scored) -> str:
    return f"worst risk {s.worst_name}, score {s.worst_score:.2f}"


def reasons_for(goal: str, best: Scored, ranked: list[Scored]) -> list[str]:
    runner = next((s for s in ranked if s is not best and math.isfinite(s.score(goal))), None)
    o = best.outcome
    out = []
    if not math.isfinite(best.score(goal)):
        return [f"No candidate meets the condition of this goal; {best.name} is the least bad "
                f"(total ASR {num(best.total_asr, '.0f', 'Ω·cm²')}, {_risk_text(best)})."]
    if goal == "transport":
        out.append(f"Lowest total ASR among the protocols without a high risk: {num(best.total_asr, '.0f', 'Ω·cm²')}"
                   + (f" (next: {runner.name}, {num(runner.total_asr, '.0f', 'Ω·cm²')})." if runner else "."))
        sep = o.layer("separator")
        out.append(f"Dense separator: {pct(sep.porosity)} porosity, {num(sep.ionic_conductivity, '.2f', 'mS/cm')}.")
    elif goal == "integrity":
        out.append(f"Smallest worst-case mechanical risk: {_risk_text(best)}"
                   + (f" (next: {runner.name}, {runner.worst_score:.2f})." if runner else "."))
        out.append(f"No risk above {o.worst_risk.level if o.worst_risk else 'low'}; sum of all risk scores "
                   f"{best.risk_sum:.2f}.")
    else:
        out.append(f"Smallest sensitivity among the protocols whose risks are all low: ±{100 * PRESSURE_ERROR:.0f} % on any pressing pressure or ±{STACK_ERROR:g} MPa "
                   f"of stack pressure changes the total ASR by at most {pct(best.spread, 1)} (largest: "
                   f"{best.spread_cause})" + (f"; next: {runner.name}, {pct(runner.spread, 1)}." if runner else "."))
        out.append(f"Far from failure thresholds: {_risk_text(best)} (low is below {LOW_RISK:g}).")
    out.append(f"Cathode|separator contact fraction {o.interface('cathode|separator').contact_fraction:.2f}, "
               f"intermixed zone {num(o.interface('cathode|separator').intermixing_depth, '.1f', 'µm')}.")
    return out


def tradeoffs_for(goal: str, best: Scored, scored: list[Scored]) -> list[str]:
    """What the recommendation gives up against the best candidate of each other goal."""
    out = []
    for other in GOALS:
        if other == goal:
            continue
        top = ranking(other, scored)[0]
        if top.name == best.name:
            out.append(f"{GOALS[other].split(' (')[0]}: nothing, {best.name} is also the best choice for it.")
            continue
        if other == "transport":
            d = best.total_asr - top.total_asr
            out.append(f"Ion transport: {num(d, '+.0f', 'Ω·cm²')} total ASR against {top.name} "
                       f"({num(best.total_asr, '.0f')} vs {num(top.total_asr, '.0f', 'Ω·cm²')}).")
        elif other == "integrity":
            what = (f" ({best.worst_name} vs {top.worst_name})" if best.worst_name != top.worst_name
                    else f" (both: {best.worst_name})")
            out.append(f"Structural integrity: worst risk score {best.worst_score:.2f} against {top.worst_score:.2f} for "
                       f"{top.name}{what}.")
        else:
            out.append(f"Reproducibility: ASR spread {pct(best.spread, 1)} against {pct(top.spread, 1)} for {top.name}.")
    return out


def recommend(goal: str, scored: list[Scored] | None = None) -> Recommendation:
    if goal not in GOALS:
        raise InvalidInputError("goal", goal, ", ".join(GOALS))
    scored = scored if scored is not None else score_all()
    ranked = ranking(goal, scored)
    best = ranked[0]
    return Recommendation(goal=goal, best=best, reasons=reasons_for(goal, best, ranked),
                          tradeoffs=tradeoffs_for(goal, best, scored), table=ranked)


# ------------------------------------------------------------------ predict before reveal: what a recommendation costs
def q_tradeoff_predict():
    """What does the lowest-resistance recommendation give up? Judged from the scored candidates."""
    from .questions import Question

    def judge():
        scored = score_all()
        best = recommend("transport", scored).best
        safest = ranking("integrity", scored)[0]
        steadiest = ranking("reproducibility", scored)[0]
        risk_cost = best.worst_score - safest.worst_score
        spread_cost = best.spread - steadiest.spread
        key = ("risk" if risk_cost >= 0.05 and risk_cost >= spread_cost
               else "spread" if spread_cost >= 0.005 else "nothing")
        why = (f"The lowest total ASR without a high risk is {best.name} ({num(best.total_asr, '.0f', 'Ω·cm²')}). "
               f"Its worst risk score is {best.worst_score:.2f} against {safest.worst_score:.2f} for the safest, "
               f"{safest.name}; its ASR spread {pct(best.spread, 1)} against {pct(steadiest.spread, 1)} for "
               f"{steadiest.name}.")
        return key, why

    return Question(prompt="The app will recommend the protocol with the lowest cell resistance (among those without "
                           "a high risk). What does that recommendation mostly give up?",
                    choices=[("nothing", "nothing: the lowest resistance is also the safest and steadiest cell"),
                             ("risk", "mechanical safety: a higher risk of cracks or shorts than the safest protocol"),
                             ("spread", "reproducibility: its resistance moves more when the press is off a little")],
                    judge=judge)


def explain_tradeoff(goal: str, scored: list[Scored] | None = None) -> str:
    """The recommendation of ``goal`` and what it trades away, as the explanation after the prediction (HTML)."""
    import html

    rec = recommend(goal, scored)
    items = "".join(f"<li>{html.escape(t)}</li>" for t in rec.tradeoffs)
    return (f"<p>For “{html.escape(GOALS[goal])}” the model recommends {html.escape(rec.best.name)}. Against the "
            f"best protocol of each other goal it gives up:</p><ul>{items}</ul><p>Pressing harder closes voids and "
            f"contacts (lower resistance) but brings the cathode particles and the separator closer to cracking; a "
            f"gentler protocol is safer and pays in resistance. No protocol is best at everything: choose the goal "
            f"your experiment needs.</p>")
