"""Optimiser: the procedure with the lowest total ASR (or highest conductivity) whose every risk stays
at or below a chosen level, within the press and die limits; the Pareto front of total ASR against the
worst risk; and the optimum explained in words (which constraint binds).

Method (robust to the kinks of clipped risk scores): a seeded Latin-hypercube sample of the box of
allowed values, then rounds of samples in a box shrinking around the best feasible point, all through
``simulate_many``. The optimum is checked with ``simulate``. Every evaluated point feeds the Pareto front.

    >>> from pressbook import presets
    >>> from pressbook.explore.optimise import optimise
    >>> best = optimise(presets.three_step(), level=0.33)
    >>> print(best.explanation)     # doctest: +SKIP
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import numpy as np

from ..batch import apply_variant, sample, simulate_many
from ..design import Design, Step
from ..errors import InvalidInputError
from ..lab.press import load_to_pressure
from ..units import (
    format_duration,
    gauge_pressure,
    gauge_step,
    timer_seconds,
    timer_step,
)

#: Default search box. Foil-only steps (lithium, indium) are pressed gently; powder steps up to 1 GPa.
FOIL_STEP_PRESSURE = (1.0, 60.0)
POWDER_STEP_PRESSURE = (50.0, 1000.0)
HOLD = (10.0, 900.0)
OBJECTIVES = ("total_asr", "conductivity")
#: How candidates are ranked: by the nominal total ASR, or by its pessimistic quantile over the posterior draws.
RANKINGS = ("nominal", "pessimistic")
#: The pessimistic quantile of the total ASR (percent) and how many nominal best candidates are re-ranked by it.
PESSIMISTIC_Q = 95.0
SHORTLIST = 20
#: Shortlisted procedures differ by at least this share of a searched range in one value (one per grid cell).
SHORTLIST_CELL = 0.05


@dataclass
class Pareto:
    """Non-dominated points (lower total ASR and lower worst risk), sorted by worst risk."""

    worst_risk: np.ndarray
    total_asr: np.ndarray
    values: dict  # path -> array


@dataclass
class Optimum:
    design: Design                # the optimal procedure as a Design
    outcome: object               # simulate(design): the check with the full model
    objective: str
    level: float
    values: dict                  # path -> optimal value
    bounds: dict                  # path -> (low, high) searched
    feasible: bool                # True if every risk <= level at the optimum
    total_asr: float
    objective_value: float
    worst_risk: float
    worst_label: str
    binding: list                 # [(what, detail)] constraints that limit the optimum
    explanation: str
    pareto: Pareto
    evaluated: int
    base_total_asr: float
    by_order: list = field(default_factory=list)  # [(order name, objective value or None)]
    ranking: str = "nominal"
    shortlist: list = field(default_factory=list)  # [Candidate], ranked ("pessimistic" ranking only)
    asr_band: tuple = (math.nan, math.nan)        # 5-95 % band of the optimum's total ASR, ohm cm2
    asr_p95: float = math.nan                      # its PESSIMISTIC_Q percentile, ohm cm2


@dataclass
class Candidate:
    """One procedure of the shortlist: its values, nominal total ASR, band and pessimistic quantile (ohm cm2)."""

    values: dict                  # path -> value
    nominal: float
    band: tuple                   # (5 %, 95 %)
    pessimistic: float            # PESSIMISTIC_Q percentile over the posterior draws
    worst_risk: float


def rank_pessimistic(design: Design, candidates: list, *, q: float = PESSIMISTIC_Q, library=None,
                     laboratory=None) -> list:
    """``candidates`` (each path -> value) ranked by the q-th percentile of the total ASR over the posterior's draws
    (``bands.bands(candidate).quantile("total_asr", q)``, ohm cm2): [(index in candidates, quantile, Bands)], the
    lowest quantile first (ties keep the given order)."""
    from .. import bands as bands_mod

    if not 50.0 <= q <= 100.0:
        raise InvalidInputError("quantile", q, "a percentile between 50 and 100")
    lab = bands_mod.laboratory_of(library, laboratory)  # default: the library's (a materials file's), else a new one
    out = []
    for i, values in enumerate(candidates):
        b = bands_mod.bands(apply_variant(design, values), library, lab, validate=False)
        out.append((i, b.quantile("total_asr", q), b))
    return sorted(out, key=lambda t: (not math.isfinite(t[1]), t[1], t[0]))


def _shortlist(vals, obj, worst, level, bounds, m) -> list:
    """Indices of the m best feasible evaluated points by the nominal objective, one per cell of a grid of
    SHORTLIST_CELL of each searched range (so the shortlist holds alternatives, not the optimum's neighbours)."""
    feas = np.flatnonzero((worst <= level) & np.isfinite(obj))
    seen, out = set(), []
    for i in feas[np.argsort(obj[feas], kind="stable")]:
        key = tuple(int((v[i] - bounds[p][0]) / (SHORTLIST_CELL * (bounds[p][1] - bounds[p][0])))
                    for p, v in vals.items())
        if key not in seen:
            seen.add(key)
            out.append(int(i))
        if len(out) == m:
            break
    return out


def default_bounds(design: Design, press_limit_kN: float | None = None, paths=None) -> dict:
    """Search box of each step's pressure and hold, within the die's rated pressure and the press's force."""
    roles = {l.name: l.role for l in design.layers}
    limit = np.inf
    if design.die.rated_pressure is not None:
        limit = design.die.rated_pressure
    if press_limit_kN is not None:
        limit = min(limit, load_to_pressure(press_limit_kN, design.die.diameter, "kN"))
    from ..materials import default_library

    lib = default_library()
    foils = {l.name for l in design.layers if l.material is not None and l.material in lib and lib.get(l.material).is_foil}
    out = {}
    for k, step in enumerate(design.steps, start=1):
        lo, hi = FOIL_STEP_PRESSURE if step.add and all(a in foils for a in step.add) else POWDER_STEP_PRESSURE
        hi = min(hi, limit)
        if hi <= lo:
            raise InvalidInputError(f"steps.{k}.pressure", f"limit {hi:g} MPa", f"a press/die limit above {lo:g} MPa")
        out[f"steps.{k}.pressure"] = (lo, hi)
        out[f"steps.{k}.hold"] = HOLD
    del roles
    if paths is not None:
        out = {p: out[p] for p in paths if p in out}
    return out


def _objective(r, objective: str, layer: int | None):
    if objective == "total_asr":
        return r.total_asr
    return -r.conductivity[:, layer]  # minimise the negative conductivity


def _pareto(worst, asr, values) -> Pareto:
    ok = np.isfinite(asr)
    idx = np.flatnonzero(ok)
    order = idx[np.lexsort((asr[idx], worst[idx]))]
    keep, best = [], np.inf
    for k in order:
        if asr[k] < best:
            keep.append(k)
            best = asr[k]
    keep = np.asarray(keep, dtype=int)
    return Pareto(worst_risk=worst[keep], total_asr=asr[keep], values={p: v[keep] for p, v in values.items()})


def _search(design, bounds, level, objective, layer, n, rounds, seed, library):
    paths = list(bounds)
    all_vals = {p: [] for p in paths}
    all_obj, all_worst, all_asr, all_scores = [], [], [], []
    risks = None
    lo = np.array([bounds[p][0] for p in paths])
    hi = np.array([bounds[p][1] for p in paths])
    centre, width = None, hi - lo
    for rnd in range(rounds + 1):
        if rnd == 0:
            box_lo, box_hi, m = lo, hi, n
        else:
            width = width * 0.5
            box_lo, box_hi, m = np.maximum(lo, centre - width / 2), np.minimum(hi, centre + width / 2), max(n // 4, 64)
        v = sample({p: (box_lo[i], box_hi[i]) for i, p in enumerate(paths)}, m, seed=seed + rnd, method="lhs")
        if rnd == 0:  # the design's own values are a candidate too
            base = [float(np.clip(_current(design, p), lo[i], hi[i])) for i, p in enumerate(paths)]
            for i, p in enumerate(paths):
                v[p] = np.append(v[p], base[i])
        r = simulate_many(design, v, library=library, validate=(rnd == 0))
        risks = r.risk_labels
        obj = _objective(r, objective, layer)
        for p in paths:
            all_vals[p].append(v[p])
        all_obj.append(obj)
        all_worst.append(r.worst_risk)
        all_asr.append(r.total_asr)
        all_scores.append(r.risk_scores)
        obj_c, worst_c = np.concatenate(all_obj), np.concatenate(all_worst)
        feas = (worst_c <= level) & np.isfinite(obj_c)
        key = np.where(feas, obj_c, np.inf)
        k = int(np.argmin(key)) if feas.any() else int(np.argmin(worst_c))
        centre = np.array([np.concatenate(all_vals[p])[k] for p in paths])
    vals = {p: np.concatenate(all_vals[p]) for p in paths}
    return (vals, np.concatenate(all_obj), np.concatenate(all_worst), np.concatenate(all_asr),
            np.concatenate(all_scores), risks, k)


def _current(design, path):
    _, k, key = path.split(".")
    return getattr(design.steps[int(k) - 1], key)


def _describe_step(design, k):
    return "+".join(design.steps[k - 1].add)


def _explain(design, best_vals, bounds, level, objective, obj_name, k, vals, obj, worst, scores, risks, base_value,
             fmt_obj, flat=()) -> tuple[list, str]:
    feasible = worst[k] <= level
    binding = []
    words = []
    steps = []
    for s in range(1, len(design.steps) + 1):
        p, h = best_vals.get(f"steps.{s}.pressure"), best_vals.get(f"steps.{s}.hold")
        parts = [f"{p:.4g} MPa" if p is not None else None, format_duration(h) if h is not None else None]
        steps.append(f"step {s} ({_describe_step(design, s)}) " + ", ".join(x for x in parts if x))
    if not feasible:
        words.append(f"No procedure within the limits keeps every risk at or below {level:g}; the least risky one "
                     f"found has {risks[int(np.argmax(scores[k]))]} at {worst[k]:.2f}: " + "; ".join(steps) + ".")
        return [("infeasible", f"worst risk {worst[k]:.2f} > {level:g}")], " ".join(words)
    words.append(f"Best {obj_name}: {fmt_obj(obj[k])} (the design as given: {fmt_obj(base_value)}), with "
                 + "; ".join(steps) + ".")
    # a risk binds if ignoring it alone admits a clearly better procedure among the evaluated ones
    gains = []
    for c, label in enumerate(risks):
        others = np.delete(scores, c, axis=1).max(axis=1) if scores.shape[1] > 1 else np.zeros(len(obj))
        relaxed = (others <= level) & np.isfinite(obj)
        if relaxed.any():
            alt = obj[relaxed].min()
            if alt < obj[k] - 0.005 * abs(obj[k]):
                gains.append((obj[k] - alt, label, alt, scores[k, c]))
    gains.sort(reverse=True)
    for i, (gain, label, alt, s) in enumerate(gains):  # one conclusion: the constraint that costs most first
        binding.append(("risk", label))
        words.append((f"The binding constraint is {label}: it scores {s:.2f} here against the level {level:g}; "
                      f"allowing it would reach {fmt_obj(alt)}.") if i == 0 else
                     (f"{label[:1].upper() + label[1:]} also limits it (score {s:.2f}; allowing it alone would "
                      f"reach {fmt_obj(alt)})."))
    for p, (lo, hi) in bounds.items():
        if p in flat:  # at a bound only by chance: it hardly matters
            continue
        v = best_vals[p]
        span = hi - lo
        if v >= hi - 0.02 * span:
            binding.append(("bound", f"{p} at its upper limit {hi:.4g}"))
            words.append(f"{_pretty(p)} sits at its upper limit {hi:.4g} {path_unit(p)}: more would still help.")
        elif v <= lo + 0.02 * span:
            binding.append(("bound", f"{p} at its lower limit {lo:.4g}"))
            words.append(f"{_pretty(p)} sits at its lower limit {lo:.4g} {path_unit(p)}.")
    if not binding:
        words.append("No risk and no limit binds: this is an interior optimum of the model.")
    if flat:
        words.append("Hardly matters here (the objective moves by less than 0.1 % over ±5 % of its range): "
                     + ", ".join(_pretty(p).lower() for p in flat) + ".")
    near = [risks[c] for c in range(len(risks)) if level - 0.03 <= scores[k, c] <= level]
    extra = [x for x in near if ("risk", x) not in binding]
    if extra:
        words.append("Also at the level: " + ", ".join(extra) + ".")
    return binding, " ".join(words)


def _rounding(path: str):
    """(round, step) of a step's value as a person sets it, or None for a path set as given."""
    if path.endswith(".pressure"):
        return gauge_pressure, gauge_step
    if path.endswith(".hold"):
        return timer_seconds, timer_step
    if path.endswith(".temperature"):
        return (lambda v: float(round(v))), (lambda v: 1.0)
    return None


def settable(path: str, value: float, low: float = -math.inf, high: float = math.inf) -> float:
    """A step's value as a person sets it: a pressure on the gauge (``units.gauge_pressure``), a hold on a timer
    (``units.timer_seconds``), a temperature to 1 °C; a rounded value past ``low``..``high`` becomes the next
    settable value inside (``value`` itself when no settable value is inside)."""
    rule = _rounding(path)
    if rule is None:
        return float(value)
    rnd, step = rule
    r = rnd(value)
    if r > high:
        r = round(math.floor(high / step(high)) * step(high), 2)
    if r < low:
        r = round(math.ceil(low / step(low)) * step(low), 2)
    return float(r) if low <= r <= high else float(value)


def settable_neighbours(path: str, value: float, low: float = -math.inf, high: float = math.inf) -> list[float]:
    """The settable values next to ``value`` (the nearest first, then the ones below and above), within limits."""
    rule = _rounding(path)
    if rule is None:
        return [float(value)]
    step = rule[1](value)
    out = [settable(path, value, low, high)]
    for v in (math.floor(value / step) * step, math.ceil(value / step) * step):
        v = settable(path, v, low, high)
        if v not in out and low <= v <= high:
            out.append(v)
    return out


def _as_set(design, best_vals, bounds, level, objective, layer, k, obj, worst, asr, scores, library) -> dict:
    """The optimum as a person sets it (``settable``: pressures on the gauge, holds on a timer); the evaluated
    point k takes the rounded procedure's numbers, so the words, the numbers and the procedure the page links
    to agree. The nearest settable procedure when it stays as feasible as the optimum; else the best such
    procedure among the settable values next to each value (below or above); unrounded if none is."""
    paths = list(best_vals)
    choices = [settable_neighbours(p, v, *bounds[p]) for p, v in best_vals.items()]
    combos = list(itertools.islice(itertools.product(*choices), 4096))  # the nearest first
    if combos[0] == tuple(best_vals[p] for p in paths) and len(combos) == 1:
        return best_vals
    r = simulate_many(design, {p: [c[i] for c in combos] for i, p in enumerate(paths)}, library=library,
                      validate=False)
    o = _objective(r, objective, layer)
    keeps = np.isfinite(o) & ((r.worst_risk <= level) == (worst[k] <= level))
    if not keeps.any():
        return best_vals
    j = 0 if keeps[0] else int(np.argmin(np.where(keeps, o, np.inf)))
    obj[k], worst[k], asr[k], scores[k] = o[j], r.worst_risk[j], r.total_asr[j], r.risk_scores[j]
    return {p: float(combos[j][i]) for i, p in enumerate(paths)}


def _flat_inputs(design, best_vals, bounds, objective, layer, library) -> list:
    """Paths whose +-5 % (of their range) change moves the objective by less than 0.1 % at the optimum."""
    paths = list(best_vals)
    m = 2 * len(paths)
    v = {p: np.full(m, best_vals[p]) for p in paths}
    for i, p in enumerate(paths):
        lo, hi = bounds[p]
        d = 0.05 * (hi - lo)
        v[p][2 * i] = max(lo, best_vals[p] - d)
        v[p][2 * i + 1] = min(hi, best_vals[p] + d)
    r = simulate_many(design, v, library=library, validate=False)
    obj = _objective(r, objective, layer)
    centre = _objective(simulate_many(design, {p: [x] for p, x in best_vals.items()}, library=library,
                                      validate=False), objective, layer)[0]
    flat = []
    for i, p in enumerate(paths):
        change = max(abs(obj[2 * i] - centre), abs(obj[2 * i + 1] - centre))
        if np.isfinite(change) and change < 1e-3 * abs(centre):
            flat.append(p)
    return flat


def _pretty(path):
    _, k, key = path.split(".")
    return f"Step {k} {key}"


def path_unit(path: str) -> str:
    """Unit of a step path's values: 'steps.2.pressure' -> 'MPa', '.hold' -> 's', '.temperature' -> '°C'."""
    return "MPa" if path.endswith("pressure") else "°C" if path.endswith("temperature") else "s"


def _with_order(design: Design, template: Design) -> Design:
    """``design``'s layers with the step structure (which layers each step adds) of ``template``."""
    names = {l.name for l in design.layers}
    needed = {a for s in template.steps for a in s.add}
    if needed != names:
        raise InvalidInputError("orders", template.title, f"a procedure adding exactly the layers {sorted(names)}")
    d = design.copy()
    d.steps = [Step(add=list(s.add), pressure=s.pressure, hold=s.hold, temperature=s.temperature) for s in template.steps]
    d.title = f"{design.title} ({template.title})" if design.title else template.title
    return d


def optimise(design: Design, *, level: float = 0.33, objective: str = "total_asr", layer: str | None = None,
             paths=None, bounds: dict | None = None, press_limit_kN: float | None = None, orders=None,
             n: int = 4000, rounds: int = 6, seed: int = 0, library=None, ranking: str = "nominal",
             shortlist: int = SHORTLIST) -> Optimum:
    """Find the step pressures and holds (and, with ``orders``, the step structure) that minimise the total
    ASR (objective="total_asr") or maximise a layer's ionic conductivity (objective="conductivity",
    layer = its name, default the separator) subject to every risk <= ``level``.

    bounds: path -> (low, high) (default: each step's pressure and hold, see ``default_bounds``);
    press_limit_kN: the press's largest force; the die's rated pressure also caps pressures.
    orders: preset names or Designs whose step structure is tried with this design's layers.
    ranking="pessimistic" (total ASR only): the ``shortlist`` best feasible procedures by the nominal total ASR (one
    per cell of SHORTLIST_CELL of the searched ranges) are
    re-ranked by the PESSIMISTIC_Q (95th) percentile of their total ASR over the posterior's draws (``bands``); the
    optimum is the one with the lowest, and ``Optimum.shortlist`` holds them all with their bands.
    """
    if objective not in OBJECTIVES:
        raise InvalidInputError("objective", objective, " or ".join(OBJECTIVES))
    if ranking not in RANKINGS:
        raise InvalidInputError("ranking", ranking, " or ".join(RANKINGS))
    if ranking == "pessimistic" and objective != "total_asr":
        raise InvalidInputError("ranking", ranking, "nominal for the conductivity objective (the pessimistic "
                                "ranking ranks by the total ASR)")
    if not 1 <= int(shortlist) <= 200:
        raise InvalidInputError("shortlist", shortlist, "1 to 200 procedures")
    if not 0.0 <= level <= 1.0:
        raise InvalidInputError("level", level, "a risk score between 0 and 1")
    if orders:
        from .. import presets

        candidates = [_with_order(design, presets.preset(o) if isinstance(o, str) else o) for o in orders]
        names = [o if isinstance(o, str) else (o.title or f"order {i + 1}") for i, o in enumerate(orders)]
        results = [optimise(c, level=level, objective=objective, layer=layer, paths=paths, bounds=None,
                            press_limit_kN=press_limit_kN, n=n, rounds=rounds, seed=seed, library=library,
                            ranking=ranking, shortlist=shortlist)
                   for c in candidates]
        score = (lambda r: r.asr_p95) if ranking == "pessimistic" else (lambda r: r.objective_value)
        key = [(0 if r.feasible else 1, score(r) if r.feasible else r.worst_risk) for r in results]
        best = results[int(min(range(len(results)), key=lambda i: key[i]))]
        best.by_order = [(nm, r.objective_value if r.feasible else None) for nm, r in zip(names, results)]
        ranked = ", ".join(f"{nm}: {'%.4g' % v if v is not None else 'no feasible procedure'}" for nm, v in best.by_order)
        best.explanation += f" Orders compared ({'total ASR' if objective == 'total_asr' else 'conductivity'}): {ranked}."
        return best

    from ..simulate import simulate

    bnds = dict(bounds) if bounds else default_bounds(design, press_limit_kN, paths)
    for p, (lo, hi) in bnds.items():
        if not p.startswith("steps.") or not lo < hi:
            raise InvalidInputError(f"bounds.{p}", (lo, hi), "steps.<k>.pressure|hold|temperature with low < high")
    li = None
    if objective == "conductivity":
        names = [l.name for l in design.layers]
        target = layer or next((l.name for l in design.layers if l.role == "separator"), None)
        if target not in names:
            raise InvalidInputError("layer", target, ", ".join(names))
        li = names.index(target)
    vals, obj, worst, asr, scores, risks, k = _search(design, bnds, level, objective, li, int(n), int(rounds), seed, library)
    ranked = []
    if ranking == "pessimistic" and worst[k] <= level:
        idx = _shortlist(vals, obj, worst, level, bnds, int(shortlist))
        cands = [{p: float(v[i]) for p, v in vals.items()} for i in idx]
        order = rank_pessimistic(design, cands, library=library)
        ranked = [Candidate(values=cands[j], nominal=float(obj[idx[j]]), band=tuple(b.total_asr), pessimistic=qv,
                            worst_risk=float(worst[idx[j]])) for j, qv, b in order]
        k = idx[order[0][0]]
    best_vals = _as_set(design, {p: float(v[k]) for p, v in vals.items()}, bnds, level, objective, li,
                             k, obj, worst, asr, scores, library)
    best_design = apply_variant(design, best_vals)
    outcome = simulate(best_design, library=library)
    base = simulate_many(design, {}, library=library)
    base_obj = float(_objective(base, objective, li)[0])
    if objective == "total_asr":
        obj_name, fmt = "total ASR", (lambda v: f"{v:.4g} ohm cm2")
    else:
        obj_name, fmt = f"ionic conductivity of {design.layers[li].name}", (lambda v: f"{-v:.4g} mS/cm")
    flat = _flat_inputs(design, best_vals, bnds, objective, li, library)
    binding, text = _explain(design, best_vals, bnds, level, objective, obj_name, k, vals, obj, worst, scores, risks,
                             base_obj, fmt, flat)
    from .. import bands as bands_mod

    final = bands_mod.bands(best_design, library, validate=False)
    p95 = final.quantile("total_asr", PESSIMISTIC_Q)
    if ranking == "pessimistic" and ranked:
        text += (f" Ranked pessimistically: of the {len(ranked)} best procedures by the nominal total ASR, this one "
                 f"has the lowest {PESSIMISTIC_Q:.0f}th percentile over the model's plausible versions "
                 f"({p95:.4g} ohm cm2 as set; 90 % band {final.total_asr[0]:.4g}-{final.total_asr[1]:.4g}).")
    return Optimum(design=best_design, outcome=outcome, objective=objective, level=float(level), values=best_vals,
                   bounds=bnds, feasible=bool(worst[k] <= level), total_asr=float(asr[k]),
                   objective_value=float(obj[k] if objective == "total_asr" else -obj[k]),
                   worst_risk=float(worst[k]), worst_label=risks[int(np.argmax(scores[k]))] if risks else "none",
                   binding=binding, explanation=text, pareto=_pareto(worst, asr, vals), evaluated=int(obj.size),
                   base_total_asr=float(base.total_asr[0]), ranking=ranking, shortlist=ranked,
                   asr_band=tuple(final.total_asr), asr_p95=float(p95))
