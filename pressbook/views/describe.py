"""Text alternatives of the figures: a sentence with the numbers, for screen readers and for anyone who
cannot tell the colours apart. Pure functions of the same columns the figures draw (views.columns), so the
text always says what the figure shows."""
from __future__ import annotations

import math


def _num(x, fmt: str = ".3g") -> str:
    try:
        x = float(x)
    except (TypeError, ValueError):
        return "?"
    return format(x, fmt) if math.isfinite(x) else "?"


def compaction_text(points: dict) -> str:
    """Compaction figure: the relative density of each layer after each step that pressed it."""
    items = [f"{layer} {_num(d, '.3f')} at {_num(p, '.0f')} MPa ({step})"
             for step, layer, p, d in zip(points.get("step", []), points.get("layer", []),
                                          points.get("pressure", []), points.get("density", []))]
    if not items:
        return "Compaction: no steps to show."
    return "Compaction, relative density after each step: " + "; ".join(items) + "."


def stack_text(layers: dict, interfaces: dict) -> str:
    """Stack drawing: layers bottom to top (thickness, porosity) and each interface's contact class."""
    rows = [f"{n} {_num(t, '.0f')} µm, porosity {_num(p, '.1f')} %"
            for n, t, p in zip(layers.get("name", []), layers.get("thickness", []), layers.get("porosity", []))]
    faces = [f"{n.replace('|', ' to ')} {q} ({_num(c, '.2f')})"
             for n, q, c in zip(interfaces.get("name", []), interfaces.get("quality", []),
                                interfaces.get("contact", []))]
    text = "Stack, bottom to top: " + ("; ".join(rows) if rows else "no layers") + "."
    return text + (" Contact: " + "; ".join(faces) + "." if faces else "")


def history_text(marks: dict) -> str:
    """History figure: each layer's value after each step."""
    by_layer: dict[str, list[str]] = {}
    for step, value, name, kind in zip(marks.get("step", []), marks.get("value", []), marks.get("name", []),
                                       marks.get("kind", [])):
        by_layer.setdefault(f"{name} {kind}", []).append(f"step {_num(step, '.0f')} {_num(value, '.3f')}")
    if not by_layer:
        return "History: no steps to show."
    return "History through the steps: " + "; ".join(f"{k}: {', '.join(v)}" for k, v in by_layer.items()) + "."


def impedance_text(spectrum: dict, band: dict | None = None) -> str:
    """Nyquist and Bode figures: the spectrum's intercepts and its largest -Z'' (the arcs); with ``band`` (the
    envelope, columns.band_columns) the 90 % band of the low-frequency total."""
    zr, zi, f = spectrum.get("z_real", []), spectrum.get("minus_z_imag", []), spectrum.get("freq", [])
    points = [(float(a), float(b), float(c)) for a, b, c in zip(zr, zi, f)
              if all(math.isfinite(float(v)) for v in (a, b, c))]
    if not points:
        return "Impedance: no spectrum to show."
    high = max(points, key=lambda p: p[2])  # highest frequency: the separator's resistance
    low = min(points, key=lambda p: p[2])  # lowest frequency: the total
    top = max(points, key=lambda p: p[1])
    text = (f"Impedance from {_num(high[2])} Hz to {_num(low[2])} Hz: starts at {_num(high[0], '.0f')} ohm "
            f"(separator), reaches {_num(low[0], '.0f')} ohm in total; largest -Z'' {_num(top[1], '.0f')} ohm "
            f"at {_num(top[2])} Hz.")
    if band and band.get("freq"):
        k = min(range(len(band["freq"])), key=lambda i: band["freq"][i])
        text += (f" 90 % band of Z' at {_num(band['freq'][k])} Hz: {_num(band['z_real_low'][k], '.0f')} to "
                 f"{_num(band['z_real_high'][k], '.0f')} ohm.")
    return text


def layer_bands_alternative(porosity: dict, conductivity: dict, who: str = "") -> Alternative:
    """Per-layer bars with whiskers (columns.layer_band_columns): each layer's porosity (%) and ionic conductivity
    (mS/cm) with its 90 % band; ``who``: whose band it is (e.g. "a new laboratory")."""
    def items(cols, unit, fmt):
        return [(n, f"{_num(v, fmt)} {unit}", f"{_num(lo, fmt)} to {_num(hi, fmt)} {unit}")
                for n, v, lo, hi in zip(cols.get("name", []), cols.get("value", []), cols.get("low", []),
                                        cols.get("high", []))]
    por, sig = items(porosity, "%", ".1f"), items(conductivity, "mS/cm", ".3g")
    if not por and not sig:
        return Alternative("Layers: no layers to show.")
    parts = ["Porosity per layer: " + "; ".join(f"{n} {v} (90 % band {b})" for n, v, b in por)] if por else []
    if sig:
        parts.append("Ionic conductivity per layer: " + "; ".join(f"{n} {v} (90 % band {b})" for n, v, b in sig))
    text = ". ".join(parts) + (f". Bands for {who}." if who else ".")
    rows = [(n, "porosity", v, b) for n, v, b in por] + [(n, "ionic conductivity", v, b) for n, v, b in sig]
    return Alternative(text, ("layer", "quantity", "value", "90 % band"), rows)


def series_text(title: str, x_label: str, y_label: str, series: dict) -> str:
    """A line or scatter figure: for each series (label -> (x, y)) its number of points and its two ends."""
    parts = []
    for label, (xs, ys) in series.items():
        pts = [(float(x), float(y)) for x, y in zip(xs, ys) if math.isfinite(float(x)) and math.isfinite(float(y))]
        if len(pts) == 1:
            parts.append(f"{label}: {_num(pts[0][1])} at {_num(pts[0][0])}")
        elif pts:
            lo, hi = min(pts), max(pts)
            parts.append(f"{label}: {len(pts)} points, {_num(lo[1])} at {_num(lo[0])} to {_num(hi[1])} at {_num(hi[0])}")
    body = "; ".join(parts) if parts else "nothing to show yet"
    return f"{title}, {y_label} against {x_label}: {body}."


def bars_text(title: str, x_label: str, categories, texts) -> str:
    """A bar chart: each category with its value as written beside its bar."""
    return f"{title} ({x_label}): " + "; ".join(f"{c} {t}" for c, t in zip(categories, texts)) + "."


# ---------------------------------------------------------------- figures with a sentence and a small table
class Alternative:
    """A figure's text alternative: ``text`` (one sentence with the numbers) and a small table (``headers``,
    ``rows`` of strings, units in the headers or the cells)."""

    __slots__ = ("headers", "rows", "text")

    def __init__(self, text: str, headers=(), rows=()):
        self.text, self.headers, self.rows = text, tuple(headers), [tuple(r) for r in rows]

    def __repr__(self) -> str:
        return f"Alternative({self.text!r}, {self.headers!r}, {self.rows!r})"


def _finite(*cols):
    """Rows (tuples of floats) of the columns where every value is a finite number."""
    out = []
    for row in zip(*cols):
        try:
            vals = tuple(float(v) for v in row)
        except (TypeError, ValueError):
            continue
        if all(math.isfinite(v) for v in vals):
            out.append(vals)
    return out


def _pick(n: int, most: int) -> list[int]:
    """At most ``most`` indices out of ``n``, evenly spread, first and last included."""
    if n <= most:
        return list(range(n))
    return sorted({round(k * (n - 1) / (most - 1)) for k in range(most)})


def process_map_alternative(x, y, z, feasible, asr, what: str, unit: str, x_label: str, y_label: str,
                            level: float, star: tuple | None = None) -> Alternative:
    """Process map: the map of ``what`` (in ``unit``) over the grid ``x`` (columns) by ``y`` (rows), the
    feasible window (``feasible``, every risk <= ``level``) and its point of lowest total ASR (``asr``, Ω·cm²),
    the star of the figure. ``z``, ``feasible``, ``asr``: 2-D, rows along ``y``. ``star``: (x MPa, y MPa,
    total ASR Ω·cm²) where the figure draws it (the best point as a person sets it), else the best grid point."""
    import numpy as np

    x, y = np.asarray(x, float), np.asarray(y, float)
    z, asr = np.asarray(z, float), np.asarray(asr, float)
    ok = np.asarray(feasible, bool) & np.isfinite(asr)
    finite = np.isfinite(z)
    if x.size == 0 or y.size == 0 or not finite.any():
        return Alternative(f"Process map of {what}: nothing to show.")
    lo, hi = np.unravel_index(np.nanargmin(np.where(finite, z, np.nan)), z.shape), \
        np.unravel_index(np.nanargmax(np.where(finite, z, np.nan)), z.shape)
    rows = [(f"lowest {what} ({unit})", _num(z[lo]), f"{_num(x[lo[1]], '.0f')} MPa", f"{_num(y[lo[0]], '.0f')} MPa"),
            (f"highest {what} ({unit})", _num(z[hi]), f"{_num(x[hi[1]], '.0f')} MPa", f"{_num(y[hi[0]], '.0f')} MPa")]
    text = (f"Process map of {what} over {x_label} {_num(x.min(), '.0f')} to {_num(x.max(), '.0f')} MPa and "
            f"{y_label} {_num(y.min(), '.0f')} to {_num(y.max(), '.0f')} MPa: from {_num(z[lo])} to {_num(z[hi])} {unit}. ")
    if ok.any():
        cols, lines = ok.any(axis=0), ok.any(axis=1)
        i, j = np.unravel_index(np.argmin(np.where(ok, asr, np.inf)), asr.shape)
        sx, sy, sa = star if star is not None else (x[j], y[i], asr[i, j])
        text += (f"Feasible window (every risk score at most {_num(level, '.2f')}): {100 * ok.mean():.0f} % of the map, "
                 f"{x_label} {_num(x[cols].min(), '.0f')} to {_num(x[cols].max(), '.0f')} MPa, {y_label} "
                 f"{_num(y[lines].min(), '.0f')} to {_num(y[lines].max(), '.0f')} MPa; lowest total ASR in it "
                 f"{_num(sa)} Ω·cm² at {_num(sx, '.0f')} and {_num(sy, '.0f')} MPa (the star).")
        rows.append(("lowest total ASR in the window (Ω·cm²)", _num(sa), f"{_num(sx, '.0f')} MPa",
                     f"{_num(sy, '.0f')} MPa"))
    else:
        text += f"No point of the map is feasible at risk level {_num(level, '.2f')}."
    return Alternative(text, ("point", "value", x_label, y_label), rows)


def pareto_alternative(worst, asr, best_worst, best_asr, level: float) -> Alternative:
    """Optimiser: the Pareto front (lowest total ASR, Ω·cm², for each worst risk score 0-1), the optimum (star)
    and the risk level (dashed line)."""
    pts = sorted(_finite(worst, asr))
    if not pts:
        return Alternative("Pareto front: no procedure evaluated yet.")
    low = min(pts, key=lambda p: p[1])
    text = (f"Pareto front, total ASR against worst risk score, {len(pts)} points: {_num(pts[0][1])} Ω·cm² at "
            f"risk {_num(pts[0][0], '.2f')} down to {_num(low[1])} Ω·cm² at risk {_num(low[0], '.2f')}. "
            f"Risk level {_num(level, '.2f')} (dashed line)")
    best = _finite(best_worst, best_asr)
    if best:
        side = "at or below" if best[0][0] <= level else "above"
        text += f"; the optimum (star): {_num(best[0][1])} Ω·cm² at worst risk {_num(best[0][0], '.2f')}, {side} the level"
    rows = [(_num(pts[k][0], ".2f"), _num(pts[k][1])) for k in _pick(len(pts), 8)]
    return Alternative(text + ".", ("worst risk score (0-1)", "total ASR (Ω·cm²)"), rows)


def tornado_alternative(what: str, unit: str, base: float, rel: float, labels, low, high, top: int = 3) -> Alternative:
    """Sensitivity (tornado): the change of ``what`` (``unit``) when each input is lowered (``low``) or raised
    (``high``) by ``rel`` (a fraction); the largest swings first."""
    def swing(row):  # a change that is not a number (the model failed there) counts as the largest
        return max(abs(v) if math.isfinite(v) else math.inf for v in row[1:])

    rows = sorted(((str(lab), float(a), float(b)) for lab, a, b in zip(labels, low, high)), key=lambda r: -swing(r))
    head = f"Sensitivity of the {what} (base {_num(base, '.4g')} {unit}) to each input lowered and raised by {_num(100 * rel, '.0f')} %"
    if not rows:
        return Alternative(head + ": no input changes it at this size of change.")
    text = head + "; largest first: " + "; ".join(
        f"{lab} {_num(a, '+.3g')} / {_num(b, '+.3g')} {unit}" for lab, a, b in rows[:top]) + "."
    return Alternative(text, ("input", f"input lower: change ({unit})", f"input higher: change ({unit})"),
                       [(lab, _num(a, "+.3g"), _num(b, "+.3g")) for lab, a, b in rows])


def histogram_alternative(what: str, unit: str, counts, edges, note: str = "", groups: int = 8) -> Alternative:
    """Uncertainty histogram: how the samples of ``what`` (``unit``) spread (``note``: e.g. which press); the
    table merges the bins into at most ``groups`` ranges."""
    counts = [int(c) for c in counts]
    edges = [float(e) for e in edges]
    n = sum(counts)
    if not n or len(edges) != len(counts) + 1:
        return Alternative(f"Distribution of the {what}: no samples to show.")
    k = max(range(len(counts)), key=counts.__getitem__)
    used = [i for i, c in enumerate(counts) if c]
    text = (f"Distribution of the {what} over {n} samples{f' ({note})' if note else ''}: from {_num(edges[used[0]])} to {_num(edges[used[-1] + 1])} "
            f"{unit}; the most samples ({counts[k]}) between {_num(edges[k])} and {_num(edges[k + 1])} {unit}.")
    step = -(-len(counts) // groups)
    rows = [(f"{_num(edges[a])} to {_num(edges[min(a + step, len(counts))])}", str(sum(counts[a:a + step])))
            for a in range(0, len(counts), step)]
    return Alternative(text, (f"{what} ({unit})", "samples"), rows)


def band_alternative(what: str, unit: str, x_label: str, x, q5, q50, q95, nominal) -> Alternative:
    """Uncertainty band: the median and the 5-95 % band of ``what`` (``unit``) against ``x_label`` (MPa), and
    the value without scatter."""
    pts = _finite(x, q5, q50, q95, nominal)
    if not pts:
        return Alternative(f"The {what} against {x_label}: nothing to show.")
    wide = max(pts, key=lambda p: p[3] - p[1])
    text = (f"The {what} against {x_label} from {_num(pts[0][0], '.0f')} to {_num(pts[-1][0], '.0f')} MPa: median "
            f"{_num(pts[0][2])} to {_num(pts[-1][2])} {unit} (without scatter {_num(pts[0][4])} to {_num(pts[-1][4])}); "
            f"the 5-95 % band is widest at {_num(wide[0], '.0f')} MPa, {_num(wide[1])} to {_num(wide[3])} {unit}.")
    return Alternative(text, (f"{x_label} (MPa)", f"5 % ({unit})", f"median ({unit})", f"95 % ({unit})",
                              f"without scatter ({unit})"),
                       [(_num(p[0], ".0f"), *(_num(v) for v in p[1:])) for p in pts])


def fit_alternative(title: str, x_label: str, y_label: str, data: dict, fit: dict, model: dict,
                    model_label: str = "library") -> Alternative:
    """Calibration figure: measured points (``data``: x, y), the fitted curve and the ``model_label`` curve (each
    x, y), the curves read at each measured x (linear interpolation)."""
    import numpy as np

    pts = sorted(_finite(data.get("x", []), data.get("y", [])))
    if not pts:
        return Alternative(f"{title}: no data yet; choose or upload a file.")

    def at(curve):
        c = sorted(_finite(curve.get("x", []), curve.get("y", [])))
        if len(c) < 2:
            return [float("nan")] * len(pts)
        cx, cy = np.array(c).T
        return [float(np.interp(p[0], cx, cy)) if cx[0] <= p[0] <= cx[-1] else float("nan") for p in pts]

    f, m = at(fit), at(model)

    def gap(curve):
        d = [abs(c - p[1]) for c, p in zip(curve, pts) if math.isfinite(c)]
        return _num(max(d)) if d else "?"

    text = (f"{title}: {len(pts)} measured points ({y_label} at {x_label}), {_num(pts[0][1])} at "
            f"{_num(pts[0][0])} to {_num(pts[-1][1])} at {_num(pts[-1][0])}; the fit is within {gap(f)} of them, "
            f"the {model_label} curve within {gap(m)}.")
    rows = [(_num(p[0]), _num(p[1]), _num(a), _num(b)) for p, a, b in zip(pts, f, m)]
    return Alternative(text, (x_label, f"measured {y_label}", f"fit {y_label}", f"{model_label} {y_label}"),
                       [rows[k] for k in _pick(len(rows), 12)])


def spectrum_fit_alternative(freq, measured: dict, fit: dict, predicted: dict) -> Alternative:
    """Calibration Nyquist figure: the measured spectrum, the fitted circuit and the predicted circuit, all at the
    measured frequencies (Hz; each a dict of x = Z', y = -Z'', ohm, in the order of ``freq``)."""
    pts = _finite(freq, measured.get("x", []), measured.get("y", []), fit.get("x", []), fit.get("y", []),
                  predicted.get("x", []), predicted.get("y", []))
    if not pts:
        return Alternative("Nyquist: no spectrum yet; choose or upload a file.")
    pts.sort(key=lambda p: -p[0])  # high frequency first, as the arc is drawn from the left

    def gap(i):
        return _num(max(math.hypot(p[i] - p[1], p[i + 1] - p[2]) for p in pts), ".3g")

    text = (f"Nyquist, measured spectrum from {_num(pts[0][0])} Hz to {_num(pts[-1][0])} Hz: Z' from "
            f"{_num(pts[0][1], '.0f')} to {_num(pts[-1][1], '.0f')} ohm, largest -Z'' "
            f"{_num(max(p[2] for p in pts), '.0f')} ohm; the fitted circuit is within {gap(3)} ohm of every point, "
            f"the predicted circuit within {gap(5)} ohm.")
    rows = [tuple(_num(v) for v in pts[k]) for k in _pick(len(pts), 10)]
    return Alternative(text, ("frequency (Hz)", "measured Z' (ohm)", "measured -Z'' (ohm)", "fit Z' (ohm)",
                              "fit -Z'' (ohm)", "predicted Z' (ohm)", "predicted -Z'' (ohm)"), rows)


def parity_alternative(par: dict) -> Alternative:
    """Pellet log parity plot: each pellet's predicted and measured ejected relative density (``par`` as
    ``lab.lablog.stats.parity`` gives it: uid, predicted, measured, n, bias, rmse; optional lo, hi, inside,
    with_range: the model's 5-95 % range)."""
    n = int(par.get("n", 0))
    if not n:
        return Alternative("Predicted vs measured ejected relative density: no pellet has a measured density yet.")
    pred, meas = [float(v) for v in par["predicted"]], [float(v) for v in par["measured"]]
    worst = max(range(n), key=lambda i: abs(meas[i] - pred[i]))
    text = (f"Predicted vs measured ejected relative density of {n} pellet{'s' if n > 1 else ''}: measured minus "
            f"predicted {_num(par['bias'], '+.3f')} on average (RMS {_num(par['rmse'], '.3f')}); largest difference "
            f"{_num(meas[worst] - pred[worst], '+.3f')} (pellet {str(par['uid'][worst])[:8]}).")
    if par.get("with_range"):
        text += f" {par['inside']} of {par['with_range']} measurements fall inside the model's 5-95 % range."
    lo, hi = par.get("lo"), par.get("hi")
    rows = [(str(par["uid"][i])[:8], _num(pred[i], ".3f"), _num(meas[i], ".3f"),
             f"{_num(lo[i], '.3f')} to {_num(hi[i], '.3f')}" if lo is not None and math.isfinite(float(lo[i])) else "-")
            for i in _pick(n, 20)]
    return Alternative(text, ("pellet", "predicted (relative density)", "measured (relative density)",
                              "model's 5-95 % range"), rows)


def conductivity_bands_alternative(cb: dict, who: str) -> Alternative:
    """Pellet log: measured conductivities against the 90 % bands of their predictions before (a new laboratory)
    and after the laboratory's update (``who``); ``cb`` as ``lab.lablog.stats.conductivity_bands`` gives it."""
    n = int(cb.get("n", 0))
    if not n:
        return Alternative("Conductivity bands: no pellet of this lot has a measured conductivity at 25 °C.")
    text = (f"Measured ionic conductivity of {n} pellet{'s' if n > 1 else ''}"
            + (f" (of {cb['of']})" if cb.get("of", n) > n else "")
            + f" against the 90 % band of each prediction: for a new laboratory {cb['inside_new']} of {n} inside, "
            f"median width a factor {_num(math.exp(cb['width_new']), '.2f')}; for {who} {cb['inside_lab']} of {n} "
            f"inside, a factor {_num(math.exp(cb['width_lab']), '.2f')} (the update used these pellets).")
    rows = [(str(cb["uid"][i])[:8], _num(cb["predicted"][i]), _num(cb["measured"][i]),
             f"{_num(cb['lo_new'][i])} to {_num(cb['hi_new'][i])}", f"{_num(cb['lo_lab'][i])} to {_num(cb['hi_lab'][i])}")
            for i in _pick(n, 20)]
    return Alternative(text, ("pellet", "predicted (mS/cm)", "measured (mS/cm)", "band, new laboratory (mS/cm)",
                              f"band, {who} (mS/cm)"), rows)


def control_chart_alternative(chart: dict) -> Alternative:
    """Pellet log control chart: the measured ejected relative density in pressing order with its centre line
    and 3-sigma limits (``chart`` as ``lab.lablog.stats.control_chart`` gives it: value, pressed_on, uid, centre,
    ucl, lcl, out)."""
    values = [float(v) for v in chart.get("value", [])]
    if not values:
        return Alternative("Control chart: no measured density yet.")
    out = [i for i, o in enumerate(chart["out"]) if o]
    limits = (f"limits {_num(chart['lcl'], '.3f')} to {_num(chart['ucl'], '.3f')}"
              if math.isfinite(float(chart["lcl"])) and math.isfinite(float(chart["ucl"]))
              else "no limits yet (they need at least two pellets)")
    text = (f"Control chart of the measured ejected relative density, {len(values)} pellet"
            f"{'s' if len(values) > 1 else ''} in pressing order: centre {_num(chart['centre'], '.3f')}, {limits}; "
            + (f"{len(out)} out of control: " + ", ".join(
                f"pellet {k + 1} ({_num(values[k], '.3f')})" for k in out[:5]) + ("..." if len(out) > 5 else "")
                if out else "none out of control") + ".")
    rows = [(str(k + 1), str(chart["pressed_on"][k]), _num(values[k], ".3f"), "yes" if k in out else "no")
            for k in sorted(set(_pick(len(values), 20)) | set(out[:10]))]
    return Alternative(text, ("pellet (pressing order)", "pressed on", "measured (relative density)",
                              "out of control"), rows)
