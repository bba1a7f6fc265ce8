"""Outcome -> plot columns and table rows: pure functions (numpy only, no Bokeh), unit-tested alone.

Each ``*_columns`` function returns a dict of equal-length columns, ready to assign to a Bokeh
``ColumnDataSource.data``. Lengths: thickness and depths in um, pressures in MPa, frequencies in Hz,
impedance in ohm.
"""
from __future__ import annotations

import math

import numpy as np

from ..models.compaction import heckel_density
from .palette import OKABE_ITO

#: Okabe-Ito, colour-blind safe (Okabe & Ito 2008); black last.
PALETTE = tuple(OKABE_ITO[k] for k in ("blue", "orange", "green", "purple", "sky", "vermillion", "yellow", "black"))
#: Interface contact quality: (lower bound of contact fraction, label, colour).
CONTACT_CLASSES = ((0.8, "good", OKABE_ITO["green"]), (0.5, "fair", OKABE_ITO["orange"]),
                   (0.0, "poor", OKABE_ITO["vermillion"]))
LEVEL_COLOURS = {"high": OKABE_ITO["vermillion"], "medium": OKABE_ITO["orange"], "low": OKABE_ITO["green"]}
#: Typical pressures of the procedure (MPa), shown next to each step: role -> (low, high, label).
TYPICAL_RANGES = {"separator": (250.0, 300.0, "SE pre-compaction"),
                  "cathode": (360.0, 500.0, "cathode bonding"),
                  "anode": (1.0, 25.0, "gentle anode")}
CURVE_POINTS = 121


def layer_colour(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def contact_class(fraction: float) -> tuple[str, str]:
    """(label, colour) of a contact fraction 0..1."""
    for lo, label, colour in CONTACT_CLASSES:
        if fraction >= lo:
            return label, colour
    return CONTACT_CLASSES[-1][1:]


def typical_range_text(roles, convert=None, unit: str = "MPa") -> str:
    """Typical pressure range(s) for the roles a step adds, e.g. 'typical: SE pre-compaction 250-300 MPa'.
    ``convert`` (MPa -> ``unit``, e.g. a load on the die) gives them in another unit, to 3 significant digits:
    'typical: SE pre-compaction 1.96-2.4 tonne-force (250-300 MPa)'."""
    parts = []
    for r in dict.fromkeys(roles):
        if r not in TYPICAL_RANGES:
            continue
        lo, hi, label = TYPICAL_RANGES[r]
        text = f"{lo:g}-{hi:g} MPa"
        if convert is not None:
            text = f"{float(f'{convert(lo):.3g}'):g}-{float(f'{convert(hi):.3g}'):g} {unit} ({text})"
        parts.append(f"{label} {text}")
    return "typical: " + "; ".join(parts) if parts else ""


# --------------------------------------------------------------------- compaction
def compaction_columns(outcome, library=None) -> tuple[dict, dict]:
    """Heckel curves (relative density under load vs pressure, loose fill, no hold creep) of every
    powder layer, and the operating point (local pressure, density under load) of every step.

    Returns (curves for multi_line: xs, ys, name, colour; points: pressure, density, step, layer, colour).
    """
    from ..materials import default_library

    lib = library or default_library()
    design = outcome.design
    p_top = max([600.0] + [1.15 * s.pressure for s in design.steps])
    grid = np.linspace(0.0, p_top, CURVE_POINTS)
    curves = {"xs": [], "ys": [], "name": [], "colour": []}
    for i, layer in enumerate(design.layers):
        mat = lib.for_layer(layer)
        if mat.is_foil:
            continue
        D = heckel_density(grid, mat["heckel_intercept"], mat["yield_pressure"])
        curves["xs"].append(grid.tolist())
        curves["ys"].append(D.tolist())
        curves["name"].append(f"{layer.name} ({mat.id})")
        curves["colour"].append(layer_colour(i))
    points = {"pressure": [], "density": [], "step": [], "layer": [], "colour": []}
    foil = {l.name for l in outcome.layers if l.material and _is_foil(lib, l)}
    for h in outcome.history:
        for i, layer in enumerate(design.layers):
            name = layer.name
            P, D = h.local_pressure.get(name), h.density_under_load.get(name)
            if P is None or D is None or name in foil:
                continue
            points["pressure"].append(P)
            points["density"].append(D)
            points["step"].append(f"step {h.index}")
            points["layer"].append(name)
            points["colour"].append(layer_colour(i))
    return curves, points


def _is_foil(lib, layer_state) -> bool:
    try:
        return lib.get(layer_state.material).is_foil
    except Exception:  # composites are not in the library by id: powders
        return False


# --------------------------------------------------------------------- cross-section
#: The stack drawing, per stack (B, and A beside it): a block 1.0 wide in x; the stack fills its left
#: ``STACK_WIDTH``, its labels start at ``LABEL_X`` (beside the stack: never over the layers nor the hatched
#: intermixed zones), joined to their layer or interface by a short leader line ending at ``LEADER_END``.
STACK_WIDTH, LEADER_END, LABEL_X = 0.35, 0.40, 0.42
#: One line of label text as a fraction of the drawing's height (about 11 px of a plot area 190-250 px
#: high: the designer's figure, 360 px with its title, toolbar and legend); a small gap between labels.
LABEL_LINE, LABEL_GAP = 0.06, 0.01


def spread_labels(wanted, heights, top: float) -> list[float]:
    """Label centres as near as possible to ``wanted`` (ascending), none overlapping the next (centres at
    least their half ``heights`` plus ``LABEL_GAP * top`` apart), kept inside 0..``top`` where they fit."""
    gap = LABEL_GAP * top
    ys = []
    for i, (y, h) in enumerate(zip(wanted, heights)):  # upwards: push each label above the one below it
        low = h / 2 if i == 0 else ys[-1] + (heights[i - 1] + h) / 2 + gap
        ys.append(max(y, low))
    for i in range(len(ys) - 1, -1, -1):  # downwards: bring the labels back under the top
        high = top - heights[i] / 2 if i == len(ys) - 1 else ys[i + 1] - (heights[i] + heights[i + 1]) / 2 - gap
        ys[i] = min(ys[i], high)
    return ys


def cross_section_columns(outcome, x0: float = 0.0, tag: str = "", span: float | None = None) -> dict:
    """To-scale stack (bottom = first layer), in um. Returns {"layers", "interfaces"}:
    layers: left, right, bottom, top, colour, alpha (denser = more opaque), name, porosity, thickness,
    and the label beside the stack: label_x, label_y, text (two lines), anchor_y (the layer's middle, where
    its leader line starts), lead_x (where the leader ends); interfaces: x0, x1, y, colour, contact, quality,
    name, the intermixed zone around it (zone_bottom, zone_top, depth) and its label (label_x, label_y, text,
    lead_x; the leader starts at the interface, ``y``). ``x0`` shifts the stack sideways (A beside B, one
    block further: x0 = 1); ``span``: the drawing's height in um when two stacks share it (default: this
    stack's height), which sets the labels' spacing."""
    left, right = x0, x0 + STACK_WIDTH
    lay = {k: [] for k in ("left", "right", "bottom", "top", "colour", "alpha", "name", "porosity", "thickness",
                           "label_x", "label_y", "text", "anchor_y", "lead_x")}
    y = 0.0
    bounds = []
    for i, l in enumerate(outcome.layers):
        lay["left"].append(left)
        lay["right"].append(right)
        lay["bottom"].append(y)
        lay["top"].append(y + l.thickness)
        lay["colour"].append(layer_colour(i))
        lay["alpha"].append(0.25 + 0.65 * max(0.0, min(1.0, (l.relative_density - 0.5) / 0.5)))
        lay["name"].append(f"{tag}{l.name}")
        lay["porosity"].append(100.0 * l.porosity)
        lay["thickness"].append(l.thickness)
        lay["anchor_y"].append(y + 0.5 * l.thickness)
        lay["text"].append(f"{tag}{l.name}\n{l.thickness:.0f} µm, {100 * l.porosity:.0f} % porous")
        y += l.thickness
        bounds.append(y)
    faces = {k: [] for k in ("x0", "x1", "y", "colour", "contact", "quality", "name", "zone_bottom", "zone_top",
                             "depth", "label_x", "label_y", "text", "lead_x")}
    for j, itf in enumerate(outcome.interfaces):
        yb = bounds[j]
        quality, colour = contact_class(itf.contact_fraction)
        faces["x0"].append(left)
        faces["x1"].append(right)
        faces["y"].append(yb)
        faces["colour"].append(colour)
        faces["contact"].append(itf.contact_fraction)
        faces["quality"].append(quality)
        faces["name"].append(f"{tag}{itf.name}")
        faces["zone_bottom"].append(yb - 0.5 * itf.intermixing_depth)
        faces["zone_top"].append(yb + 0.5 * itf.intermixing_depth)
        faces["depth"].append(itf.intermixing_depth)
        faces["text"].append(f"contact {quality} ({itf.contact_fraction:.2f})")
    # the labels of layers and interfaces, bottom to top, spread so that none covers another
    top = max(y, span or 0.0) or 1.0
    wanted = sorted([(a, 2, "layer", i) for i, a in enumerate(lay["anchor_y"])]
                    + [(a, 1, "face", j) for j, a in enumerate(faces["y"])], key=lambda t: (t[0], t[2] == "layer"))
    placed = spread_labels([t[0] for t in wanted], [t[1] * LABEL_LINE * top for t in wanted], top)
    at = {(kind, i): yl for (_, _, kind, i), yl in zip(wanted, placed)}
    lay["label_y"] = [at["layer", i] for i in range(len(lay["name"]))]
    faces["label_y"] = [at["face", j] for j in range(len(faces["name"]))]
    for cols in (lay, faces):
        cols["label_x"] = [x0 + LABEL_X] * len(cols["name"])
        cols["lead_x"] = [x0 + LEADER_END] * len(cols["name"])
    return {"layers": lay, "interfaces": faces}


def merge_columns(*parts: dict) -> dict:
    """Concatenate column dicts with the same keys."""
    out = {k: [] for k in parts[0]}
    for p in parts:
        for k in out:
            out[k] = list(out[k]) + list(p[k])
    return out


# --------------------------------------------------------------------- history
def history_columns(outcome, tag: str = "") -> tuple[dict, dict]:
    """Through the steps: each layer's relative density after release (solid lines) and each
    interface's contact fraction (dashed lines).

    Returns (lines: xs (step number), ys, name, label (legend), colour, dash;
    markers: step, value, name, kind, colour)."""
    lines = {"xs": [], "ys": [], "name": [], "label": [], "colour": [], "dash": []}
    marks = {"step": [], "value": [], "name": [], "kind": [], "colour": []}
    for i, l in enumerate(outcome.layers):
        pts = [(h.index, h.density_released[l.name]) for h in outcome.history
               if h.density_released.get(l.name) is not None]
        _line(lines, marks, pts, f"{tag}{l.name}", layer_colour(i), "relative density", f"{l.name} density", "solid")
    for j, itf in enumerate(outcome.interfaces):
        pts = [(h.index, h.contact_fraction[itf.name]) for h in outcome.history
               if h.contact_fraction.get(itf.name) is not None]
        _line(lines, marks, pts, f"{tag}{itf.name}", PALETTE[(len(outcome.layers) + j) % len(PALETTE)],
              "contact fraction", f"{itf.name} contact", "dashed")
    return lines, marks


def _line(lines, marks, pts, name, colour, kind, label, dash):
    if not pts:
        return
    lines["xs"].append([float(s) for s, _ in pts])
    lines["ys"].append([float(v) for _, v in pts])
    lines["name"].append(name)
    lines["label"].append(label)
    lines["colour"].append(colour)
    lines["dash"].append(dash)
    for s, v in pts:
        marks["step"].append(float(s))
        marks["value"].append(float(v))
        marks["name"].append(name)
        marks["kind"].append(kind)
        marks["colour"].append(colour)


# --------------------------------------------------------------------- impedance
def impedance_columns(outcome) -> dict:
    """Spectrum for Nyquist and Bode: freq (Hz), z_real and minus_z_imag (ohm), magnitude (ohm),
    minus_phase (degrees, -phase)."""
    imp = outcome.impedance
    z = imp.z_real + 1j * imp.z_imag
    return {"freq": imp.frequencies.tolist(), "z_real": imp.z_real.tolist(), "minus_z_imag": (-imp.z_imag).tolist(),
            "magnitude": np.abs(z).tolist(), "minus_phase": (-np.degrees(np.angle(z))).tolist()}


def empty_like(columns: dict) -> dict:
    return {k: [] for k in columns}


# --------------------------------------------------------------------- tables
def summary_rows(outcome) -> list[tuple[str, str, float, str, int]]:
    """(key, quantity, value, unit, decimals) for the summary table and the A/B differences."""
    rows = []
    for l in outcome.layers:
        rows.append((f"{l.name}.porosity", f"{l.name}: porosity", 100.0 * l.porosity, "%", 1))
        rows.append((f"{l.name}.thickness", f"{l.name}: thickness", l.thickness, "um", 1))
        if l.ionic_conductivity is not None:
            rows.append((f"{l.name}.sigma", f"{l.name}: ionic conductivity", l.ionic_conductivity, "mS/cm", 3))
    for i in outcome.interfaces:
        rows.append((f"{i.name}.contact", f"{i.name}: contact fraction", i.contact_fraction, "", 3))
        rows.append((f"{i.name}.asr", f"{i.name}: ASR", i.asr, "ohm cm2", 3))
        rows.append((f"{i.name}.intermixing", f"{i.name}: intermixed depth", i.intermixing_depth, "um", 1))
    imp = outcome.impedance
    rows.append(("total_asr", "total ASR", imp.total_asr, "ohm cm2", 2))
    rows.append(("total_resistance", f"total resistance ({imp.area:.3f} cm2 die)", imp.total_resistance, "ohm", 1))
    worst = outcome.worst_risk
    if worst is not None:
        rows.append(("worst_risk", f"worst risk: {worst.name} ({worst.subject})", worst.score, "score 0-1", 2))
    return rows


def summary_bands(outcome) -> dict:
    """{summary row key: (low, high)} of the 5-95 % bands, in the summary table's units (porosity in %); empty
    without bands."""
    b = outcome.bands
    if b is None:
        return {}
    out = {}
    for name, row in b.layers.items():
        out[f"{name}.porosity"] = tuple(100.0 * v for v in row["porosity"])
        out[f"{name}.thickness"] = row["thickness"]
        if "ionic_conductivity" in row:
            out[f"{name}.sigma"] = row["ionic_conductivity"]
    for name, row in b.interfaces.items():
        out[f"{name}.contact"] = row["contact_fraction"]
        out[f"{name}.asr"] = row["asr"]
        out[f"{name}.intermixing"] = row["intermixing_depth"]
    out["total_asr"], out["total_resistance"] = b.total_asr, b.total_resistance
    return out


def band_columns(outcome) -> dict:
    """The impedance envelope (5 % and 95 % at each frequency) for Nyquist and Bode: freq, z_real_low/high,
    minus_z_imag_low/high, magnitude_low/high (ohm); empty without bands."""
    b = outcome.bands
    if b is None:
        return {k: [] for k in ("freq", "z_real_low", "z_real_high", "minus_z_imag_low", "minus_z_imag_high",
                                "magnitude_low", "magnitude_high")}
    sp = b.spectrum
    return {"freq": list(sp["frequencies"]), "z_real_low": list(sp["z_real_low"]), "z_real_high": list(sp["z_real_high"]),
            "minus_z_imag_low": [-v for v in sp["z_imag_low"]], "minus_z_imag_high": [-v for v in sp["z_imag_high"]],
            "magnitude_low": list(sp["magnitude_low"]), "magnitude_high": list(sp["magnitude_high"])}


def layer_band_columns(outcome) -> tuple[dict, dict]:
    """Per layer, a bar and its 90 % whisker (5-95 % of the band's draws): (porosity of every layer in %,
    ionic conductivity of every ion-conducting layer in mS/cm), each with columns name, value, low, high, colour.
    Without bands the whisker collapses onto the value (low = high = value)."""
    b = outcome.bands
    por = {k: [] for k in ("name", "value", "low", "high", "colour")}
    sig = {k: [] for k in por}
    for i, l in enumerate(outcome.layers):
        row = b.layers.get(l.name, {}) if b is not None else {}
        for cols, value, key, scale in ((por, l.porosity, "porosity", 100.0),
                                        (sig, l.ionic_conductivity, "ionic_conductivity", 1.0)):
            if value is None:
                continue
            lo, hi = row.get(key, (value, value))
            cols["name"].append(l.name)
            cols["value"].append(scale * value)
            cols["low"].append(scale * lo)
            cols["high"].append(scale * hi)
            cols["colour"].append(layer_colour(i))
    return por, sig


def diff_rows(a, b) -> list[tuple[str, float | None, float | None, float | None, str, int]]:
    """(quantity, A, B, B - A, unit, decimals) over the union of both outcomes' summary rows."""
    ra = {r[0]: r for r in summary_rows(a)}
    rb = {r[0]: r for r in summary_rows(b)}
    out = []
    for key in list(ra) + [k for k in rb if k not in ra]:
        row = rb.get(key) or ra[key]
        va = ra[key][2] if key in ra else None
        vb = rb[key][2] if key in rb else None
        delta = vb - va if va is not None and vb is not None else None
        quantity = row[1] if key != "worst_risk" else "worst risk score"
        out.append((quantity, va, vb, delta, row[3], row[4]))
    return out


def risk_rows(outcome) -> list[tuple[str, str, str, float, str, str, str]]:
    """(level, name, subject, score, reason, threshold, source), worst first."""
    return [(r.level, r.name, r.subject, r.score, r.reason, r.threshold, r.source) for r in outcome.risks]


def fmt(value, decimals: int = 3) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    if abs(value) >= 1e5 or (value != 0 and abs(value) < 10 ** -decimals):
        return f"{value:.3g}"
    return f"{value:.{decimals}f}"
