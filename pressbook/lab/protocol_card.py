"""Bench protocol card: a design turned into what to do at the press, step by step.

For each pressing step the card says what to add (layer, material, mass in mg), the target load on
the press's own scale (and in kN and tonne-force), hold time, temperature, how to release, and the
checks: die rating, press capacity, gauge range and resolution, and the expected thickness of every
layer in the die and the expected pellet height after the step (from ``simulate``'s history).

    load = pressure x die area          (300 MPa on a 10 mm die: 23.56 kN = 2.402 tonne-force)
    hydraulic gauge = load / ram area   (gauges in psi, bar or MPa)

A design the press or die cannot do is refused with a PressbookError naming the field, the value and
what is allowed: a load above the press capacity, a pressure above the die's rated pressure, a
reading beyond the gauge's full scale, a temperature above what the press can heat to.

Exports: ``ProtocolCard.to_html()`` (one self-contained page with print CSS) and ``to_csv()`` (one
row per step). Pure: no UI imports; numbers in default units (MPa, kN, mm, mg, um, s, degC).
"""
from __future__ import annotations

import csv
import html
import io
import math
from dataclasses import dataclass, field

from ..design import Design
from ..errors import InvalidInputError
from ..materials import Library, default_library
from ..models import mechanics as mech
from ..units import Q_, to_magnitude
from ..views.words import plain_units, unbroken_ranges
from .press import (GAUGE_UNITS, LOAD_UNIT_NAMES, LOAD_UNITS, dead_weight_kg, die_area_mm2, load_to_pressure,
                    nice_step, pressure_to_load, round_to)

#: Units a press capacity may be given in, and the gauge scales the card can read.
CAPACITY_UNITS = ("kN", "tf", "tonf")
LOAD_GAUGES = ("kN", "tf", "tonf", "lbf")
PRESSURE_GAUGES = ("bar", "psi", "MPa")
GAUGE_CHOICES = LOAD_GAUGES + PRESSURE_GAUGES
#: Accuracy of a press gauge as a fraction of its full scale. Estimate: EN 837-1 classes 1.0-2.5 are
#: usual for the Bourdon gauges on manual hydraulic pellet presses; 2.5 % is the conservative end.
DEFAULT_GAUGE_ACCURACY = 0.025
#: Above this fraction of the die rating or press capacity the card adds a caution (not a refusal).
CAUTION_FRACTION = 0.9
#: A target whose setting uncertainty (gauge accuracy) exceeds this fraction of itself cannot be set on
#: the gauge: the step is refused ("cannot set on this gauge") with what to use instead.
RESOLUTION_LIMIT = 0.2
#: A load up to this mass (kg) is better set with a dead weight on the punch than with a press.
DEAD_WEIGHT_MAX_KG = 25.0


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(cell):
    """A CSV cell that opens as text in a spreadsheet: text starting with = + - @ (or a tab / carriage
    return) that is not a plain number gets a leading apostrophe (a layer named '=HYPERLINK(...)' is not
    run as a formula); numbers such as '-40' stay numbers."""
    if not isinstance(cell, str) or not cell.startswith(_FORMULA_START):
        return cell
    try:
        float(cell)
    except ValueError:
        return "'" + cell
    return cell


@dataclass
class Press:
    """A press: capacity (``capacity_unit`` kN, tf or tonf) and how its gauge reads.

    gauge_unit: a load scale (kN, tf, tonf, lbf) or a hydraulic pressure scale (bar, psi, MPa); a
    pressure scale needs ``ram_diameter`` (mm) or ``ram_area`` (cm2). ``gauge_max`` is the gauge's full
    scale in ``gauge_unit`` (None: the reading at the press capacity). ``gauge_accuracy`` is a fraction
    of full scale. ``max_temperature`` in degC (None: not heated; warm steps then get a caution).
    ``gauge_resolution`` is the gauge's smallest division in ``gauge_unit`` (None: the largest 1-2-5
    step within its accuracy, e.g. 0.2 tf on a 15 tf gauge of 2.5 %); targets are rounded to it.
    """

    capacity: float = 15.0
    capacity_unit: str = "tf"
    gauge_unit: str = "tf"
    ram_diameter: float | None = None
    ram_area: float | None = None
    gauge_max: float | None = None
    gauge_accuracy: float = DEFAULT_GAUGE_ACCURACY
    max_temperature: float | None = None
    name: str = "press"
    gauge_resolution: float | None = None

    # ------------------------------------------------------------------ checks and conversions
    def validate(self) -> "Press":
        if self.capacity_unit not in CAPACITY_UNITS:
            raise InvalidInputError("press.capacity_unit", self.capacity_unit, ", ".join(CAPACITY_UNITS))
        _positive("press.capacity", self.capacity, self.capacity_unit)
        if self.gauge_unit not in GAUGE_CHOICES:
            raise InvalidInputError("press.gauge_unit", self.gauge_unit, ", ".join(GAUGE_CHOICES))
        if self.gauge_unit in PRESSURE_GAUGES:
            if self.ram_diameter is None and self.ram_area is None:
                raise InvalidInputError("press.ram_diameter", None,
                                        f"a ram diameter (mm) or ram area (cm2) for a gauge in {self.gauge_unit}")
            if self.ram_area is not None:
                _positive("press.ram_area", self.ram_area, "cm2")
            else:
                _positive("press.ram_diameter", self.ram_diameter, "mm")
        if self.gauge_max is not None:
            _positive("press.gauge_max", self.gauge_max, self.gauge_unit)
        if self.gauge_resolution is not None:
            _positive("press.gauge_resolution", self.gauge_resolution, self.gauge_unit)
        if not (isinstance(self.gauge_accuracy, (int, float)) and 0 <= self.gauge_accuracy <= 0.2):
            raise InvalidInputError("press.gauge_accuracy", self.gauge_accuracy, "a fraction of full scale, 0 to 0.2")
        if self.max_temperature is not None and not (isinstance(self.max_temperature, (int, float))
                                                     and -40 <= self.max_temperature <= 500):
            raise InvalidInputError("press.max_temperature", self.max_temperature, "-40 to 500 degC or none")
        if not isinstance(self.name, str) or len(self.name) > 80:
            raise InvalidInputError("press.name", self.name, "text up to 80 characters")
        return self

    @property
    def capacity_kN(self) -> float:
        return float(Q_(self.capacity, LOAD_UNITS[self.capacity_unit]).to("kilonewton").magnitude)

    @property
    def ram_area_mm2(self) -> float | None:
        if self.ram_area is not None:
            return float(self.ram_area) * 100.0
        if self.ram_diameter is not None:
            return die_area_mm2(float(self.ram_diameter))
        return None

    def reading(self, load_kN: float) -> float:
        """What the gauge shows for a load (kN)."""
        if self.gauge_unit in LOAD_GAUGES:
            return float(Q_(load_kN, "kilonewton").to(LOAD_UNITS[self.gauge_unit]).magnitude)
        mpa = load_kN * 1e3 / self.ram_area_mm2  # N / mm2 = MPa of oil pressure
        return float(Q_(mpa, "megapascal").to(GAUGE_UNITS[self.gauge_unit]).magnitude)

    def reading_to_load_kN(self, reading: float) -> float:
        if self.gauge_unit in LOAD_GAUGES:
            return float(Q_(reading, LOAD_UNITS[self.gauge_unit]).to("kilonewton").magnitude)
        mpa = float(Q_(reading, GAUGE_UNITS[self.gauge_unit]).to("megapascal").magnitude)
        return mpa * self.ram_area_mm2 / 1e3

    @property
    def full_scale(self) -> float:
        """Full scale of the gauge in gauge_unit (given, or the reading at the press capacity)."""
        return float(self.gauge_max) if self.gauge_max is not None else self.reading(self.capacity_kN)

    @property
    def resolution(self) -> float:
        """The smallest step the gauge can be set to (gauge_unit): given, or a 1-2-5 step within its accuracy."""
        if self.gauge_resolution is not None:
            return float(self.gauge_resolution)
        return nice_step(max(self.gauge_accuracy, 0.001) * self.full_scale)

    def describe(self) -> str:
        text = f"{self.name}: capacity {_g(self.capacity)} {self.capacity_unit} ({self.capacity_kN:.1f} kN); gauge in {self.gauge_unit}"
        if self.gauge_unit in PRESSURE_GAUGES:
            text += f" (ram {_g(self.ram_area_mm2 / 100.0)} cm2)"
        text += (f", full scale {_g(self.full_scale)} {self.gauge_unit}, accuracy {100 * self.gauge_accuracy:g} % of "
                 f"full scale, set to steps of {_g(self.resolution)} {self.gauge_unit}")
        return text


@dataclass
class Check:
    """One check of a step: ok, caution (do it, but look) or refused."""

    name: str
    level: str     # "ok" | "caution" | "refused"
    text: str


@dataclass
class Addition:
    layer: str
    role: str
    material: str
    form: str                 # "powder" or "foil"
    mass_mg: float
    instruction: str


@dataclass
class CardStep:
    index: int
    additions: list
    pressure_MPa: float
    load_kN: float
    load_tf: float
    gauge_reading: float
    gauge_unit: str
    gauge_uncertainty: float  # +- in gauge_unit (accuracy x full scale)
    pressure_uncertainty_MPa: float
    hold_s: float
    temperature_C: float
    heat: str
    release: str
    layer_thickness_um: dict  # layer -> expected thickness after release
    stack_height_um: float    # expected pellet height after release
    stack_height_under_load_um: float
    checks: list = field(default_factory=list)
    gauge_setting: float = math.nan   # the reading rounded to the gauge's resolution (what the operator sets)
    pressure_set_MPa: float = math.nan  # the pressure on the die at that setting
    settable: bool = True             # False: the gauge cannot resolve this load ("cannot set on this gauge")
    instead: str = ""                 # what to use instead when not settable

    def instructions(self) -> list[str]:
        """Every instruction of the step, in order, as on the printed card."""
        adds = [a.instruction for a in self.additions] or ["nothing new: press the stack again"]
        return adds + [self.heat, "release: " + self.release]


@dataclass
class ProtocolCard:
    title: str
    die_diameter_mm: float
    die_rating_MPa: float | None
    press: Press
    steps: list
    notes: list
    final_height_um: float
    prediction: str = ""  # the predicted cell with its 90 % bands and the model's versions ("How sure")

    # ------------------------------------------------------------------ export
    def to_dict(self) -> dict:
        from dataclasses import asdict

        d = asdict(self)
        d["press"] = asdict(self.press)
        return d

    def csv_rows(self) -> list[dict]:
        rows = []
        for s in self.steps:
            rows.append({
                "step": s.index,
                "add": "; ".join(f"{a.layer} ({a.material}) {a.mass_mg:.2f} mg" for a in s.additions),
                "pressure_MPa": f"{s.pressure_MPa:.4g}",
                "load_kN": f"{s.load_kN:.3f}",
                "load_tf": f"{s.load_tf:.3f}",
                "gauge_reading": f"{s.gauge_reading:.4g}",
                "gauge_unit": s.gauge_unit,
                "gauge_uncertainty": f"{s.gauge_uncertainty:.3g}",
                "pressure_uncertainty_MPa": f"{s.pressure_uncertainty_MPa:.3g}",
                "hold_s": f"{s.hold_s:g}",
                "temperature_C": f"{s.temperature_C:g}",
                "release": s.release,
                "expected_layer_thickness_um": "; ".join(f"{k} {v:.1f}" for k, v in s.layer_thickness_um.items()),
                "expected_stack_height_um": f"{s.stack_height_um:.1f}",
                "checks": " | ".join(f"{c.level}: {c.text}" for c in s.checks),
                "gauge_setting": f"{s.gauge_setting:g}" if s.settable else "cannot set on this gauge",
                "instead": s.instead,
                "instructions": " | ".join(s.instructions()),
            })
        return rows

    def to_csv(self) -> str:
        """The card as CSV; a text cell a spreadsheet would run as a formula is neutralised (spreadsheet_safe)."""
        rows = [{k: spreadsheet_safe(v) for k, v in row.items()} for row in self.csv_rows()]
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return buf.getvalue()

    def to_html_fragment(self) -> str:
        """The card as an HTML fragment (its CSS scoped to ``.pbc-card``), for embedding in a page."""
        e = html.escape
        p = self.press
        rating = "not given: check your die" if self.die_rating_MPa is None else f"{self.die_rating_MPa:g} MPa"
        out = [f'<div class="pbc-card"><style>{CARD_CSS}</style>',
               f"<h1>Protocol card: {e(self.title or 'design')}</h1>",
               '<table class="pbc-head">',
               f"<tr><th>Die</th><td>{self.die_diameter_mm:g} mm diameter "
               f"({die_area_mm2(self.die_diameter_mm) / 100:.4g} cm<sup>2</sup>); rated pressure {e(rating)}</td></tr>",
               f"<tr><th>Press</th><td>{e(p.describe())}</td></tr>",
               f"<tr><th>Expected pellet</th><td>{self.final_height_um:.0f} &micro;m high after the last step</td></tr>",
               f"<tr><th>How sure</th><td class='pbc-sure'>{unbroken_ranges(e(plain_units(self.prediction)))}</td></tr>"
               if self.prediction else "",
               "<tr><th>Operator / date / pellet ID</th><td>&nbsp;</td></tr>",
               "</table>"]
        if self.notes:
            out.append('<ul class="pbc-notes">' + "".join(f"<li>{e(n)}</li>" for n in self.notes) + "</ul>")
        for s in self.steps:
            out.append(f'<section class="pbc-step"><h2>Step {s.index}</h2><table>')
            adds = "".join(f"<li>{e(a.instruction)}</li>" for a in s.additions) or "<li>nothing new: press the stack again</li>"
            out.append(f"<tr><th>Add</th><td><ul>{adds}</ul></td><td class='pbc-fill'>weighed: </td></tr>")
            if s.settable:
                target = (f"<b class='pbc-target'>{s.gauge_setting:g} {e(s.gauge_unit)}</b> on the gauge "
                          f"(&plusmn;{_g(s.gauge_uncertainty)} {e(s.gauge_unit)}) = {s.load_kN:.2f} kN = {s.load_tf:.2f} tf "
                          f"&rarr; {s.pressure_set_MPa:.3g} MPa (&plusmn;{s.pressure_uncertainty_MPa:.2g} MPa) on the die "
                          f"(design: {s.pressure_MPa:g} MPa)")
            else:
                target = (f"<b class='pbc-target pbc-refused'>cannot set on this gauge</b>: {s.load_kN:.3g} kN "
                          f"({s.pressure_MPa:g} MPa on the die) is within the gauge's &plusmn;{_g(s.gauge_uncertainty)} "
                          f"{e(s.gauge_unit)}. {e(s.instead)}")
            out.append(f"<tr><th>Target load</th><td>{target}</td><td class='pbc-fill'>read: </td></tr>")
            out.append(f"<tr><th>Hold</th><td>{_duration(s.hold_s)} at {s.temperature_C:g} &deg;C. {e(s.heat)}</td>"
                       "<td class='pbc-fill'>time: </td></tr>")
            out.append(f"<tr><th>Release</th><td>{e(s.release)}</td><td></td></tr>")
            thick = ", ".join(f"{e(k)} {v:.0f} &micro;m" for k, v in s.layer_thickness_um.items())
            out.append(f"<tr><th>Expect</th><td>pellet {s.stack_height_um:.0f} &micro;m high after release "
                       f"({s.stack_height_under_load_um:.0f} &micro;m under load); layers: {thick}</td>"
                       "<td class='pbc-fill'>measured: </td></tr>")
            checks = "".join(f"<li class='pbc-{c.level}'><b>{e(c.level)}</b> {e(c.name)}: {e(c.text)}</li>" for c in s.checks)
            out.append(f"<tr><th>Checks</th><td colspan='2'><ul>{checks}</ul></td></tr></table></section>")
        out.append("<p class='pbc-foot'>Generated by pressbook from the design's model predictions; thicknesses are "
                   "estimates (see the design's outcome for the sources).</p></div>")
        return "\n".join(out)

    def to_html(self) -> str:
        """A self-contained printable page (no external resources)."""
        return ("<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
                f"<title>Protocol card: {html.escape(self.title or 'design')}</title></head><body>\n"
                + self.to_html_fragment() + "\n</body></html>\n")


CARD_CSS = """
.pbc-card { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; font-size: 13px; color: #111; max-width: 900px; }
.pbc-card h1 { font-size: 18px; margin: 0 0 6px 0; }
.pbc-card h2 { font-size: 15px; margin: 10px 0 4px 0; }
.pbc-card table { border-collapse: collapse; width: 100%; }
.pbc-card th, .pbc-card td { border: 1px solid #999; padding: 3px 6px; text-align: left; vertical-align: top; }
.pbc-card th { width: 140px; background: #f0f0f0; }
.pbc-card td.pbc-fill { width: 130px; color: #595959; }
.pbc-card ul { margin: 0; padding-left: 18px; }
.pbc-card .pbc-target { font-size: 15px; }
.pbc-card .pbc-refused { color: #a00; }
.pbc-card .pbc-caution { color: #8a5a00; }
.pbc-card .pbc-ok { color: #176117; }
.pbc-card .pbc-notes { margin: 6px 0; }
.pbc-card .pbc-foot { color: #666; font-size: 11px; }
@media print {
  @page { size: A4; margin: 12mm; }
  .pbc-card { max-width: none; font-size: 11pt; }
  .pbc-card .pbc-step { page-break-inside: avoid; break-inside: avoid; }
  .pbc-card th { background: #eee !important; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""


# ---------------------------------------------------------------------- building the card
def check_press_and_die(design: Design, press: Press, die_diameter=None, die_rating=None) -> list[InvalidInputError]:
    """Every reason the press or die cannot do the design (empty list: it can)."""
    press.validate()
    D = _die_diameter(design, die_diameter)
    rating = _die_rating(design, die_rating)
    problems = []
    cap = press.capacity_kN
    fs = press.full_scale
    for k, step in enumerate(design.steps, start=1):
        load = pressure_to_load(step.pressure, D, "kN")
        where = f"steps.{k}.pressure"
        if rating is not None and step.pressure > rating * (1 + 1e-9):
            problems.append(_problem(where, f"{step.pressure:g} MPa",
                                     f"at most the die's rated pressure {rating:g} MPa", "die rating"))
        if load > cap * (1 + 1e-9):
            problems.append(_problem(
                where, f"{step.pressure:g} MPa = {load:.1f} kN on the {D:g} mm die",
                f"at most the press capacity {_g(press.capacity)} {press.capacity_unit} = {cap:.1f} kN "
                f"({load_to_pressure(cap, D, 'kN'):.0f} MPa on this die)", "press capacity"))
        elif press.reading(load) > fs * (1 + 1e-9):
            problems.append(_problem(
                where, f"{step.pressure:g} MPa = {_g(press.reading(load))} {press.gauge_unit} on the gauge",
                f"at most the gauge's full scale {_g(fs)} {press.gauge_unit} "
                f"({load_to_pressure(press.reading_to_load_kN(fs), D, 'kN'):.0f} MPa on this die)", "gauge range"))
        if press.max_temperature is not None and step.temperature > press.max_temperature + 1e-9:
            problems.append(_problem(f"steps.{k}.temperature", f"{step.temperature:g} degC",
                                     f"at most the press's {press.max_temperature:g} degC", "heating"))
    return problems


def over_rating(design: Design, die_rating) -> str:
    """One sentence naming every step above the die's rating ``die_rating`` (MPa; None: not given), or ""."""
    if die_rating is None:
        return ""
    over = [(k, s.pressure) for k, s in enumerate(design.steps, start=1) if s.pressure > die_rating * (1 + 1e-9)]
    if not over:
        return ""
    steps = " and ".join(", ".join(str(k) for k, _ in over).rsplit(", ", 1))
    asks = ", ".join(f"{p:g} MPa" for p in dict.fromkeys(p for _, p in over))
    return (f"Step{'s' if len(over) > 1 else ''} {steps} ask{'' if len(over) > 1 else 's'} for {asks}, above the "
            f"die's rating of {die_rating:g} MPa: lower the pressure or use a die rated for it.")


def protocol_card(design: Design, press: Press | None = None, *, die_diameter=None, die_rating=None,
                  library: Library | None = None) -> ProtocolCard:
    """The bench sheet of ``design`` on ``press`` with a die of ``die_diameter`` (mm; default the design's)
    rated ``die_rating`` (MPa; default the design's). Raises InvalidInputError when they cannot do it."""
    from ..simulate import simulate

    press = press or Press()
    lib = library or default_library()
    D = _die_diameter(design, die_diameter)
    rating = _die_rating(design, die_rating)
    problems = check_press_and_die(design, press, D, rating)
    if problems:
        first = problems[0]
        more = len(problems) - 1
        if more:
            raise InvalidInputError(first.field, first.value, first.allowed,
                                    f"{first.hint}; and {more} more: " + "; ".join(p.args[0] for p in problems[1:3]))
        raise first
    d = design.copy()
    d.die.diameter = D
    d.die.rated_pressure = None  # checked above with the card's own rating
    d.validate(lib)
    outcome = simulate(d, lib, bands=True)
    area_cm2 = d.die.area_cm2
    fs = press.full_scale
    cap = press.capacity_kN
    steps = []
    notes = []
    if rating is None:
        notes.append("The die's rated pressure is not given: check the marking or the maker's sheet before pressing.")
    notes += [f"{u} is the {LOAD_UNIT_NAMES[u]}; check which one your press's plate and gauge mean."
              for u in dict.fromkeys((press.capacity_unit, press.gauge_unit)) if u in ("tf", "tonf")]
    if any(lib.get(layer.material or "", field="material").is_foil for layer in d.layers if layer.material):
        gap = d.die.clearance
        notes.append(f"Punch-die clearance {mech.CLEARANCE_UM if gap is None else gap:g} µm"
                     f"{' (assumed: measure yours and give it in the design)' if gap is None else ''}: a metal foil creeps "
                     "into it under pressure; the extrusion risk of the foil steps is computed with it.")
    in_die: set[int] = set()
    phys_top = None
    for k, (step, rec) in enumerate(zip(d.steps, outcome.history), start=1):
        load = pressure_to_load(step.pressure, D, "kN")
        reading = press.reading(load)
        unc = press.gauge_accuracy * fs
        unc_MPa = load_to_pressure(press.reading_to_load_kN(unc), D, "kN")
        checks = []
        if rating is None:
            checks.append(Check("die rating", "caution", f"{step.pressure:g} MPa; the die's rating is not known"))
        else:
            frac = step.pressure / rating
            checks.append(Check("die rating", "caution" if frac > CAUTION_FRACTION else "ok",
                                f"{step.pressure:g} MPa is {100 * frac:.0f} % of the die's {rating:g} MPa"))
        frac = load / cap
        checks.append(Check("press capacity", "caution" if frac > CAUTION_FRACTION else "ok",
                            f"{load:.2f} kN is {100 * frac:.0f} % of the press's {cap:.1f} kN"))
        setting = round_to(reading, press.resolution)
        settable = unc_MPa <= RESOLUTION_LIMIT * step.pressure and setting > 0
        instead = "" if settable else use_instead(load, press)
        checks.append(Check(
            "gauge resolution", "ok" if settable else "refused",
            f"{_g(reading)} {press.gauge_unit} is {100 * reading / fs:.1f} % of the {_g(fs)} {press.gauge_unit} full scale; "
            f"a gauge accurate to {100 * press.gauge_accuracy:g} % of full scale sets it to ±{unc_MPa:.2g} MPa"
            + ("" if settable else f": cannot set on this gauge. {instead}")))
        if step.temperature > 30.0 and press.max_temperature is None:
            checks.append(Check("heating", "caution",
                                f"{step.temperature:g} °C needs a heated die or platens; the press's heating is not stated"))
        lt = {name: v for name, v in rec.thickness_released.items() if v is not None}
        height = sum(lt.values())
        height_load = sum(v for v in rec.thickness_under_load.values() if v is not None)
        checks.append(Check("thickness", "ok",
                            f"expect a pellet {height:.0f} µm high after release; a difference of more than about 10 % "
                            f"means a weighing, fill or load error"))
        additions = []
        idx = {l.name: i for i, l in enumerate(d.layers)}
        new = sorted(idx[n] for n in step.add)
        top_high = True if not in_die or not new else max(new) > max(in_die)
        flip = ""
        if in_die and new:
            face = max(in_die) if top_high else min(in_die)  # the layer the new ones go onto
            if face != phys_top:
                flip = (f"Turn the pellet over first (eject it and put it back upside down, or reverse the die) so "
                        f"that {d.layers[face].name} faces the open end: the new layer goes on the other face.")
        if in_die:  # layers on the far face go under the pellet, the rest on top
            under = [i for i in new if (i < min(in_die) if top_high else i > max(in_die))]
            over = [i for i in new if i not in under]
            order = (sorted(under, reverse=top_high) + sorted(over, reverse=not top_high))
        else:
            under, order = [], (new if top_high else new[::-1])
        for i_layer in order:
            name = d.layers[i_layer].name
            layer = d.layer(name)
            mat = lib.for_layer(layer)
            if layer.composition is not None:
                label = " / ".join(f"{m} {100 * w:.0f} wt%" for m, w in layer.composition.items())
            else:
                label = mat.id
            if layer.mass is not None:
                mass = layer.mass
            else:
                mass = layer.thickness * 1e-4 * area_cm2 * mat["density"] * 1e3
            if mat.is_foil:
                disc = layer.diameter if layer.diameter is not None else D  # a foil cut smaller than the die
                disc_cm2 = math.pi * (disc / 20.0) ** 2
                t = layer.thickness if layer.thickness is not None else mass * 1e-3 / (mat["density"] * disc_cm2) * 1e4
                if layer.mass is None and layer.diameter is not None:
                    mass = t * 1e-4 * disc_cm2 * mat["density"] * 1e3
                where = ("under the pellet (take the pellet out, lay the foil on the bottom punch, put the pellet back)"
                         if i_layer in under else "on top of the stack")
                instr = (f"{name}: place a {label} foil, {disc:g} mm disc, {t:.0f} µm thick ({mass:.2f} mg), centred "
                         f"and flat, {where}")
                form = "foil"
            else:
                instr = (f"{name}: weigh {mass:.2f} mg of {label}"
                         + (" (premixed composite)" if layer.composition is not None and len(layer.composition) > 1 else "")
                         + ("; pour it into the die and level it (turn the punch gently without pressing)"
                            if not in_die and not additions else
                            "; take the pellet out, spread the powder evenly on the bottom punch, put the pellet back"
                            if i_layer in under else
                            "; spread it evenly on top and level it (turn the punch gently without pressing)"))
                if layer.thickness is not None:
                    instr += f" [mass for {layer.thickness:g} µm at full density]"
                form = "powder"
            additions.append(Addition(layer=name, role=layer.role, material=label, form=form, mass_mg=mass,
                                      instruction=instr))
        if flip:
            additions[0].instruction = flip + " Then " + additions[0].instruction
        in_die |= set(new)
        phys_top = max(in_die) if top_high else min(in_die)
        last = k == len(d.steps)
        release = ("release the load slowly (over 10-30 s) to limit springback cracks; "
                   + ("keep the pellet in the die for the next step" if not last else
                      "eject the pellet or move it into the test cell; measure its height"))
        heat = ("Heat the die to the set temperature and let it equilibrate before loading." if step.temperature > 30.0
                else "Room temperature.")
        steps.append(CardStep(
            index=k, additions=additions, pressure_MPa=step.pressure, load_kN=load,
            load_tf=pressure_to_load(step.pressure, D, "tf"), gauge_reading=reading, gauge_unit=press.gauge_unit,
            gauge_uncertainty=unc, pressure_uncertainty_MPa=unc_MPa, hold_s=step.hold, temperature_C=step.temperature,
            heat=heat, release=release, layer_thickness_um=lt, stack_height_um=height,
            stack_height_under_load_um=height_load, checks=checks, gauge_setting=setting,
            pressure_set_MPa=load_to_pressure(press.reading_to_load_kN(setting), D, "kN"), settable=settable,
            instead=instead))
    notes += [f"Step {s.index} cannot be set on this gauge: {s.instead}" for s in steps if not s.settable]
    return ProtocolCard(title=d.title, die_diameter_mm=D, die_rating_MPa=rating, press=press, steps=steps,
                        notes=notes, final_height_um=steps[-1].stack_height_um if steps else math.nan,
                        prediction=_how_sure(outcome))


def _how_sure(outcome) -> str:
    """The predicted cell with its 90 % bands, in words (the card's "How sure" line)."""
    b, imp = outcome.bands, outcome.impedance
    text = (f"total ASR {imp.total_asr:.3g} ohm cm2, most likely {b.total_asr[0]:.3g}-{b.total_asr[1]:.3g}")
    for l in outcome.layers:
        if l.ionic_conductivity is not None and l.role == "separator":
            lo, hi = b.layers[l.name]["ionic_conductivity"]
            text += f"; {l.name} conductivity {l.ionic_conductivity:.2g} mS/cm, most likely {lo:.2g}-{hi:.2g}"
    v = outcome.versions
    level = b.laboratory.level_words()
    return (f"{text} (90 % bands of the model for {b.laboratory.label}{_narrow(b.laboratory)}). {level}"
            f"{' ' if level else ''}Model: materials "
            f"{v['materials']}, calibration {v['calibration']}, posterior {v['posterior']}.")


def _narrow(laboratory) -> str:
    """What narrows the bands further: a new laboratory's own pellets; a laboratory's, more of them."""
    return ("; your own pellets narrow them (pellet log)" if laboratory.sd is None
            else ", from its logged pellets (materials file)")


# ---------------------------------------------------------------------- helpers
def use_instead(load_kN: float, press: Press) -> str:
    """What sets ``load_kN`` when ``press``'s gauge cannot: a dead weight when it is light enough
    (DEAD_WEIGHT_MAX_KG), else a smaller press or a low-range gauge (load cell) whose accuracy band
    (press.gauge_accuracy of its full scale) stays within RESOLUTION_LIMIT of the load."""
    kg = dead_weight_kg(load_kN)
    fs_kN = load_kN * RESOLUTION_LIMIT / max(press.gauge_accuracy, 1e-3)
    fs_tf = float(Q_(fs_kN, "kilonewton").to(LOAD_UNITS["tf"]).magnitude)
    smaller = (f"a smaller press or a low-range gauge (a load cell) with a full scale of at most {fs_kN:.3g} kN "
               f"({fs_tf:.3g} tf) at {100 * press.gauge_accuracy:g} % accuracy")
    if kg <= DEAD_WEIGHT_MAX_KG:
        return f"Use a dead weight instead: {kg:.1f} kg on the punch gives {load_kN:.3g} kN (or {smaller})."
    return f"Use {smaller} instead (a dead weight would be {kg:.0f} kg)."


def _problem(field, value, allowed, hint) -> InvalidInputError:
    err = InvalidInputError(field, value, allowed, hint)
    err.hint = hint
    return err


def _positive(field: str, value, unit: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or not value > 0:
        raise InvalidInputError(field, value, f"a positive number in {unit}")
    return float(value)


def _die_diameter(design: Design, die_diameter) -> float:
    if die_diameter is None:
        return float(design.die.diameter)
    D = to_magnitude(die_diameter, "mm", "die.diameter")
    if not (math.isfinite(D) and 1.0 <= D <= 100.0):
        raise InvalidInputError("die.diameter", D, "1 to 100 mm")
    return D


def _die_rating(design: Design, die_rating):
    if die_rating is None:
        return design.die.rated_pressure
    R = to_magnitude(die_rating, "MPa", "die.rated_pressure")
    if not (math.isfinite(R) and 1.0 <= R <= 5000.0):
        raise InvalidInputError("die.rated_pressure", R, "1 to 5000 MPa")
    return R


def _g(x: float) -> str:
    """A reading with a sensible number of digits."""
    if x is None or not math.isfinite(x):
        return str(x)
    if abs(x) >= 100:
        return f"{x:.0f}"
    if abs(x) >= 10:
        return f"{x:.1f}"
    if abs(x) >= 1:
        return f"{x:.2f}"
    return f"{x:.3f}"


def _duration(s: float) -> str:
    if s >= 120 and s % 60 == 0:
        return f"{s / 60:g} min"
    return f"{s:g} s"
