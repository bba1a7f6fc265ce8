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


def impedance_text(spectrum: dict) -> str:
    """Nyquist and Bode figures: the spectrum's intercepts and its largest -Z'' (the arcs)."""
    zr, zi, f = spectrum.get("z_real", []), spectrum.get("minus_z_imag", []), spectrum.get("freq", [])
    points = [(float(a), float(b), float(c)) for a, b, c in zip(zr, zi, f)
              if all(math.isfinite(float(v)) for v in (a, b, c))]
    if not points:
        return "Impedance: no spectrum to show."
    high = max(points, key=lambda p: p[2])  # highest frequency: the separator's resistance
    low = min(points, key=lambda p: p[2])  # lowest frequency: the total
    top = max(points, key=lambda p: p[1])
    return (f"Impedance from {_num(high[2])} Hz to {_num(low[2])} Hz: starts at {_num(high[0], '.0f')} ohm "
            f"(separator), reaches {_num(low[0], '.0f')} ohm in total; largest -Z'' {_num(top[1], '.0f')} ohm "
            f"at {_num(top[2])} Hz.")


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
