"""Number formatting for the teaching pages: units always, and infinite or missing values in words."""
from __future__ import annotations

import math


def num(x, spec: str = ".2f", unit: str = "") -> str:
    """``x`` formatted with ``spec`` and ``unit``; ∞ for an infinite value (no ionic path), – for a missing one."""
    try:
        v = float(x)
    except (TypeError, ValueError):
        return "–"
    if math.isnan(v):
        return "–"
    if math.isinf(v):
        return "∞ (no ionic path)" if v > 0 else "−∞"
    s = format(v, spec)
    return f"{s}\u00a0{unit}" if unit else s  # no line break between a number and its unit


def pct(x, digits: int = 0) -> str:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return "–"
    return "–" if not math.isfinite(v) else f"{100 * v:.{digits}f}\u00a0%"


def freq(f) -> str:
    """A frequency in Hz, kHz or MHz (– when missing)."""
    try:
        v = float(f)
    except (TypeError, ValueError):
        return "–"
    if not math.isfinite(v) or v <= 0:
        return "–"
    for scale, unit in ((1e6, "MHz"), (1e3, "kHz"), (1.0, "Hz")):
        if v >= scale:
            return f"{v / scale:.3g}\u00a0{unit}"
    return f"{v:.3g}\u00a0Hz"


def finite_or_nan(values):
    """A list of floats with inf replaced by nan (Bokeh leaves gaps at nan)."""
    out = []
    for v in values:
        v = float(v)
        out.append(v if math.isfinite(v) else math.nan)
    return out


def sentence(text: str) -> str:
    """``text`` with its first letter a capital (a model's reason, "anode was pressed ...", starting a sentence);
    unlike str.capitalize the rest is kept ("SE", "µm")."""
    return text[:1].upper() + text[1:]
