"""How an outcome builds its impedance spectrum, element by element, and how the stack pressure during
the measurement compares with the pressure of fabrication.

All numbers come from simulate(): the circuit's parameters (Outcome.impedance.parameters) and the
layer and interface states behind them. The element spectra use pressbook.models.impedance.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..models import impedance as imp
from ..simulate import simulate
from . import lessons
from .text import num


@dataclass
class Element:
    key: str           # R0, R1, ..., CPEb
    label: str         # what it is, in words
    origin: str        # where its value comes from, with numbers
    resistance: float  # ohm (inf for a blocking CPE)
    Q: float | None    # CPE parameter (F s^(alpha-1)), None for a pure resistor
    alpha: float | None
    z: np.ndarray      # complex impedance at Outcome.impedance.frequencies

    @property
    def peak_frequency(self) -> float:
        """Characteristic frequency of an R||CPE (Hz): 1 / (2 pi (R Q)^(1/alpha)); nan otherwise."""
        if self.Q is None or not math.isfinite(self.resistance) or self.resistance <= 0:
            return math.nan
        return 1.0 / (2 * math.pi * (self.resistance * self.Q) ** (1.0 / self.alpha))


def cell(se: float = 300.0, cathode: float = 450.0, anode: float = 10.0, stack: float = 5.0,
         separator_mass: float = 80.0):
    """The outcome of the story's three-step cell with these pressures (MPa) and separator mass (mg)."""
    return simulate(lessons.three_step(se, cathode, anode, stack=stack, separator_mass=separator_mass))


def r0_parts(outcome) -> list[tuple[str, float]]:
    """The series resistance R0 split into its sources (ohm): ionic layers and SE|SE-type contacts."""
    area = outcome.impedance.area
    parts = []
    for layer in outcome.layers:
        if layer.ionic_conductivity is None:
            continue
        what = "separator" if layer.role == "separator" else f"{layer.name} (ionic path / 3)"
        parts.append((f"{what}: {num(layer.thickness, '.0f', 'µm')} at {num(layer.ionic_conductivity, '.2f', 'mS/cm')}",
                      layer.resistance))
    for itf in outcome.interfaces:
        if itf.kind == "contact":
            parts.append((f"{itf.name} contact: {num(itf.asr, '.2f', 'Ω·cm²')} at contact fraction "
                          f"{itf.contact_fraction:.2f}", itf.asr / area))
    return parts


def elements(outcome) -> list[Element]:
    """The circuit's elements with their own spectra (they add up to the outcome's spectrum)."""
    res = outcome.impedance
    f = np.asarray(res.frequencies)
    omega = 2 * np.pi * f
    p = list(res.parameters)
    out = []
    R0 = p[0]
    origin = "; ".join(f"{what} → {num(R, '.1f', 'Ω')}" for what, R in r0_parts(outcome))
    out.append(Element("R0", "series: separator, cathode ionic path, contacts", origin, R0, None, None,
                       np.full(f.shape, complex(R0))))
    n_arcs = len(res.elements) - 1
    by_name = {i.name: i for i in outcome.interfaces}
    for k in range(n_arcs):
        R, Q, a = p[1 + 3 * k: 4 + 3 * k]
        key, meaning, _ = res.elements[k + 1]
        if meaning in by_name:
            i = by_name[meaning]
            label = f"{meaning} interface (charge transfer)"
            origin = (f"contact fraction {i.contact_fraction:.3f}, ASR {num(i.asr, '.2f', 'Ω·cm²')} over "
                      f"{res.area:.3f} cm²")
        else:
            label = f"{meaning}: active material | SE charge transfer inside the composite"
            layer = outcome.layer(meaning) if any(l.name == meaning for l in outcome.layers) else None
            origin = (f"composite at {layer.relative_density:.3f} relative density (pressed at "
                      f"{layer.max_pressure:.0f} MPa)" if layer else "")
        out.append(Element(key, label, origin, R, Q, a, imp.rc_parallel(R, Q, a, omega)))
    if res.blocking:
        Q, a = p[-2], p[-1]
        out.append(Element("CPEb", "blocking electrodes (no electrode reaction)", "current collectors", math.inf, Q, a,
                           imp.cpe_impedance(Q, a, omega)))
    return out


def combine(els, keys) -> np.ndarray:
    """Sum of the spectra of the selected elements (complex, ohm); zeros when none is selected."""
    chosen = [e.z for e in els if e.key in set(keys)]
    if not chosen:
        return np.zeros_like(els[0].z)
    return np.sum(chosen, axis=0)


def bode(z) -> tuple[np.ndarray, np.ndarray]:
    """|Z| (ohm) and phase (degrees, -Z'' positive up as in Nyquist plots: reported as -phase)."""
    z = np.asarray(z)
    return np.abs(z), -np.degrees(np.angle(z))


def stack_sweep(stacks, fabrication_scales=(1.0,)) -> dict:
    """Total ASR (ohm cm2) and lithium creep-short score vs the stack pressure during measurement, for the
    three-step cell with its SE and cathode pressures scaled by each of ``fabrication_scales``."""
    out = {"stack": np.asarray(stacks, float)}
    for s in fabrication_scales:
        outs = [cell(300.0 * s, 450.0 * s, 10.0, st) for st in stacks]
        out[s] = {"total_asr": np.array([o.impedance.total_asr for o in outs]),
                  "creep": np.array([lessons._score(o, "lithium creep short") for o in outs])}
    return out


def _larger(d_stack: float, d_fab: float) -> str:
    """The sentence that says which of the two changes moves the ASR more (from the model's numbers)."""
    if not (math.isfinite(d_stack) and math.isfinite(d_fab)):
        return ""
    if d_stack > d_fab:
        return "Here the stack pressure moves the ASR more than the fabrication pressure does."
    return "Here the fabrication pressure moves the ASR more than the stack pressure does."


def stack_vs_fabrication_summary(stack_lo: float = 5.0, stack_hi: float = 50.0, fab_lo: float = 0.67,
                                 fab_hi: float = 1.33) -> str:
    """Words: how much the total ASR changes with stack pressure, and with fabrication pressure."""
    a, b = cell(stack=stack_lo), cell(stack=stack_hi)
    c, d = cell(300 * fab_lo, 450 * fab_lo), cell(300 * fab_hi, 450 * fab_hi)
    cr = b.risk("lithium creep short")

    def change(x, y):
        return num(100 * (y / x - 1), "+.0f", "%") if math.isfinite(x) and math.isfinite(y) and x > 0 else "–"

    return (
        f"<p>Raising the stack pressure during the measurement from {stack_lo:g} to {stack_hi:g} MPa changes the total "
        f"ASR from {num(a.impedance.total_asr, '.0f')} to {num(b.impedance.total_asr, '.0f', 'Ω·cm²')} "
        f"({change(a.impedance.total_asr, b.impedance.total_asr)}), and the lithium creep-short risk becomes "
        f"{cr.level} ({cr.score:.2f}). Pressing the separator and the cathode at {fab_hi:.2g} × instead of "
        f"{fab_lo:.2g} × the reference pressures changes it from {num(c.impedance.total_asr, '.0f')} to "
        f"{num(d.impedance.total_asr, '.0f', 'Ω·cm²')} ({change(c.impedance.total_asr, d.impedance.total_asr)}). "
        f"{_larger(abs(b.impedance.total_asr - a.impedance.total_asr), abs(d.impedance.total_asr - c.impedance.total_asr))}"
        f"</p>"
        f"<p>Fabrication pressure deforms the powders plastically and the pellet remembers it (density). Stack pressure in "
        f"use cannot densify the layers again, but it closes the grain contacts of the cold-pressed separator and presses "
        f"the lithium into contact, so the spectrum depends on it too. Report both pressures with a measured "
        f"spectrum.</p>")


# ------------------------------------------------------------------ predict before reveal: the stack pressure drops
STACK_DROP = (5.0, 1.0)  # MPa: the stack pressure of the question, before and after the drop

STACK_DROP_CHOICES = [("R0", "the high-frequency intercept R0 (separator and grain contacts)"),
                      ("cathode", "the cathode's arc (charge transfer inside the composite)"),
                      ("anode", "the lithium | separator arc"),
                      ("none", "none: the cell was formed at hundreds of MPa, a few MPa change nothing")]


def _element_role(e: Element) -> str:
    """The question's name of an element: R0, the anode's arc, or the cathode's arc."""
    if e.key == "R0":
        return "R0"
    return "anode" if "anode" in e.label else "cathode"


def stack_drop_changes(before: float = STACK_DROP[0], after: float = STACK_DROP[1]) -> dict:
    """Resistance (ohm) of each element at ``before`` and ``after`` MPa stack pressure: role -> (before, after)."""
    a, b = elements(cell(stack=before)), elements(cell(stack=after))
    return {_element_role(x): (x.resistance, y.resistance) for x, y in zip(a, b) if math.isfinite(x.resistance)}


def q_stack_drop_predict():
    """Which element of the spectrum grows most when the stack pressure drops? Judged from the model's spectra."""
    from .questions import Question

    before, after = STACK_DROP

    def judge():
        ch = stack_drop_changes(before, after)
        grows = {k: b - a for k, (a, b) in ch.items()}
        top = max(grows, key=grows.get)
        total = sum(a for a, _ in ch.values())
        key = top if grows[top] > 0.05 * total else "none"
        names = {"R0": "R0", "cathode": "the cathode's arc", "anode": "the lithium arc"}
        why = ("; ".join(f"{names[k]}: {num(a, '.1f')} → {num(b, '.1f', 'Ω')}" for k, (a, b) in ch.items())
               + f" when the stack pressure drops from {before:g} to {after:g} MPa.")
        return key, why

    return Question(prompt=f"The cell (three-step, 300 / 450 / 10 MPa) is measured at {before:g} MPa stack pressure. "
                           f"The holder loosens to {after:g} MPa. Which part of the spectrum grows most?",
                    choices=STACK_DROP_CHOICES, judge=judge)


def explain_stack_drop(before: float = STACK_DROP[0], after: float = STACK_DROP[1]) -> str:
    """Why the stack pressure moves the spectrum, from the model's element values (HTML)."""
    a, b = cell(stack=before), cell(stack=after)
    sep_a, sep_b = a.layer("separator"), b.layer("separator")
    li_a, li_b = a.interface("separator|anode"), b.interface("separator|anode")
    return (f"<p>At {before:g} MPa the separator conducts {num(sep_a.ionic_conductivity, '.2f', 'mS/cm')}, at "
            f"{after:g} MPa {num(sep_b.ionic_conductivity, '.2f', 'mS/cm')}: released from the press, a cold-pressed "
            f"separator keeps only part of its grain contacts closed, and the stack pressure in use closes some of the "
            f"rest, so R0 follows it. The lithium | separator contact fraction goes from {li_a.contact_fraction:.2f} "
            f"to {li_b.contact_fraction:.2f} (soft lithium is held against the separator by the stack). The cathode "
            f"arc comes from contacts formed inside the composite at hundreds of MPa, which a few MPa hardly "
            f"change. Total ASR: {num(a.impedance.total_asr, '.0f')} → {num(b.impedance.total_asr, '.0f', 'Ω·cm²')}. "
            f"Move the stack slider to see it; report the stack pressure with every spectrum.</p>")
