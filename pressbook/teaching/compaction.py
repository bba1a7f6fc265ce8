"""The compaction explorer's numbers: density vs pressure of library materials (model) and of published
measurements (data/literature_points.csv), Heckel and Kawakita transforms, springback, die-wall
friction through a stack, and hot pressing.

The curves call pressbook.models.compaction, the same functions simulate() uses (without the die-wall
friction of a real stack, which the friction section shows on its own).
"""
from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

from ..errors import InvalidInputError
from ..materials import Material, default_library
from ..models import compaction as cp
from .text import pct

#: explorer key -> (label, library id or composition {id: mass fraction}, family)
MATERIALS = {
    "Li3PS4": ("Li3PS4 glass (sulfide glass)", "Li3PS4", "sulfide glass"),
    "Li6PS5Cl": ("Li6PS5Cl (argyrodite, commercial)", "Li6PS5Cl", "argyrodite"),
    "Li5.5PS4.5Cl1.5": ("Li5.5PS4.5Cl1.5 (argyrodite, annealed)", "Li5.5PS4.5Cl1.5", "argyrodite"),
    "Li3InCl6": ("Li3InCl6 (halide)", "Li3InCl6", "halide"),
    "LLZO": ("LLZO (garnet oxide)", "LLZO", "oxide"),
    "NCM622": ("NCM622 (cathode active, no SE)", "NCM622", "cathode active"),
    "NCM622+Li6PS5Cl": ("NCM622 + Li6PS5Cl composite (42 vol% NCM)", {"NCM622": 0.636, "Li6PS5Cl": 0.364}, "composite"),
    "NCM811+Li6PS5Cl": ("NCM811 + Li6PS5Cl composite 70:30 wt", {"NCM811": 0.70, "Li6PS5Cl": 0.30}, "composite"),
}
STATES = ("under_load", "released_in_die")
STATE_LABELS = {"under_load": "under load", "released_in_die": "released (in the die)", "released": "released pellet"}
HOLD_S = 60.0


def material(key: str) -> Material:
    if key not in MATERIALS:
        raise InvalidInputError("material", key, ", ".join(MATERIALS))
    spec = MATERIALS[key][1]
    lib = default_library()
    return lib.composite(spec, name=MATERIALS[key][0]) if isinstance(spec, dict) else lib.get(spec)


def label(key: str) -> str:
    return MATERIALS[key][0]


def composite_vol_fraction(key: str, component: str) -> float:
    """Volume fraction of a component in an explorer composite (0 if absent)."""
    return float(material(key).components.get(component, 0.0))


# ------------------------------------------------------------------ model curves
def density(key: str, pressures, *, state: str = "under_load", temperature: float = 25.0,
            hold: float = HOLD_S) -> np.ndarray:
    """Relative density vs pressure (MPa) from a loose fill: under load, or released in the die (springback)."""
    if state not in STATES:
        raise InvalidInputError("state", state, ", ".join(STATES))
    m = material(key)
    P = np.asarray(pressures, dtype=float)
    y = cp.heckel_y(P, m["heckel_intercept"], m["yield_pressure"], m["creep_coefficient"], hold,
                    m["softening_temperature"], temperature)
    if state == "under_load":
        return cp.density_from_y(y)
    return cp.density_at(y, P, m["compact_modulus"], 0.0)


def fill_density(key: str) -> float:
    """Relative density of the loose fill before pressing (the Heckel intercept at zero pressure)."""
    return float(cp.density_from_y(material(key)["heckel_intercept"]))


def springback(key: str, pressures) -> np.ndarray:
    """Elastic thickness recovery on release (fraction) after pressing at ``pressures`` MPa."""
    return cp.springback_strain(np.asarray(pressures, float), material(key)["compact_modulus"])


def pressure_for_density(key: str, target: float, *, temperature: float = 25.0, hold: float = HOLD_S) -> float:
    """Pressure (MPa) that reaches relative density ``target`` under load (Heckel inverted); nan if never."""
    if not 0.0 < target < 1.0:
        raise InvalidInputError("target density", target, "between 0 and 1")
    m = material(key)
    Py = float(cp.yield_pressure_at(m["yield_pressure"], m["softening_temperature"], temperature))
    creep = float(cp.heckel_y(0.0, 0.0, 1.0, m["creep_coefficient"], hold))
    P = (float(cp.y_from_density(target)) - m["heckel_intercept"] - creep) * Py
    return max(P, 0.0)


# ------------------------------------------------------------------ transforms
def heckel(D) -> np.ndarray:
    """Heckel variable ln(1/(1 - D))."""
    D = np.clip(np.asarray(D, float), 0.0, 1 - 1e-9)
    return -np.log1p(-D)


def kawakita(P, D, D0) -> np.ndarray:
    """Kawakita P/C (MPa), C = (V0 - V)/V0 = 1 - D0/D the volume reduction from the fill density D0."""
    P = np.asarray(P, float)
    C = 1.0 - D0 / np.asarray(D, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(C > 1e-6, P / np.where(C > 1e-6, C, 1.0), np.nan)


def fit_kawakita(P, D, D0) -> tuple[float, float]:
    """Kawakita constants (a, 1/b in MPa) from the straight line P/C = 1/(a b) + P/a."""
    y = kawakita(P, D, D0)
    P = np.asarray(P, float)
    ok = np.isfinite(y) & (P > 0)
    if ok.sum() < 2:
        return math.nan, math.nan
    slope, intercept = np.polyfit(P[ok], y[ok], 1)
    a = 1.0 / slope
    return float(a), float(intercept * a)  # 1/b = intercept * a


def fit_heckel(P, D) -> tuple[float, float]:
    """Heckel yield pressure P_y (MPa) and intercept A of the straight line ln(1/(1-D)) = A + P/P_y."""
    P = np.asarray(P, float)
    y = heckel(D)
    ok = np.isfinite(y)
    if ok.sum() < 2:
        return math.nan, math.nan
    slope, A = np.polyfit(P[ok], y[ok], 1)
    return float(1.0 / slope), float(A)


# ------------------------------------------------------------------ published points
@dataclass(frozen=True)
class Point:
    material: str
    label: str
    pressure: float
    density: float
    low: float
    high: float
    state: str
    temperature: str
    source: str
    doi: str
    note: str


@lru_cache(maxsize=1)
def literature_points() -> tuple:
    """The published density points of data/literature_points.csv (comment lines start with #)."""
    text = resources.files("pressbook.data").joinpath("literature_points.csv").read_text(encoding="utf-8")
    lines = [ln for ln in text.splitlines() if ln and not ln.startswith("#")]
    out = []
    for r in csv.DictReader(lines):
        def f(s):
            return float(s) if s.strip() else math.nan
        out.append(Point(material=r["material"], label=r["label"], pressure=f(r["pressure_MPa"]),
                         density=f(r["relative_density"]), low=f(r["relative_density_low"]),
                         high=f(r["relative_density_high"]), state=r["state"], temperature=r["temperature_C"],
                         source=r["source"], doi=r["doi"], note=r["note"]))
    return tuple(out)


def points_for(key: str, states=None, *, room_temperature: bool = True) -> list[Point]:
    """Published points of an explorer material, optionally of some states only."""
    pts = [p for p in literature_points() if p.material == key]
    if states is not None:
        pts = [p for p in pts if p.state in states]
    if room_temperature:
        pts = [p for p in pts if p.temperature == "25"]
    return pts


def matching_states(state: str) -> tuple:
    """Which published states to overlay on a model curve: under-load curves get under-load points; released
    curves get released-in-die points and ejected pellets."""
    return ("under_load",) if state == "under_load" else ("released_in_die", "released")


# ------------------------------------------------------------------ friction through a stack
def stack_pressure_profile(depths_mm, die_mm: float, *, double: bool = False, height_mm: float | None = None,
                           mu: float = cp.FRICTION["mu"], K: float = cp.FRICTION["K"]) -> np.ndarray:
    """Fraction of the applied pressure at each depth of a stack (Janssen-Walker); double-acting: both punches move."""
    z = np.asarray(depths_mm, float)
    if double:
        H = float(height_mm if height_mm is not None else z.max())
        z = np.minimum(z, H - z)
    return cp.friction_factor(z, die_mm, mu, K)


def compact_height_mm(key: str, mass_mg: float, die_mm: float, pressure: float) -> float:
    """Height (mm) of a compact of ``mass_mg`` pressed at ``pressure`` MPa in a die of ``die_mm``."""
    m = material(key)
    area = math.pi * (die_mm / 20.0) ** 2
    D = float(density(key, [pressure])[0])
    return float(cp.thickness_um(mass_mg, m["density"], area, D)) * 1e-3


# ------------------------------------------------------------------ predict before reveal: springback
SPRINGBACK_CASE = ("Li5.5PS4.5Cl1.5", 300.0)  # the question's material and pressure (MPa)


def q_springback_predict():
    """Does a pressed compact keep the density it reached under load? Judged from the model's springback."""
    from .questions import Question

    key, p = SPRINGBACK_CASE

    def judge():
        under = float(density(key, [p])[0])
        released = float(density(key, [p], state="released_in_die")[0])
        loose = fill_density(key)
        drop = under - released
        answer = ("kept" if drop < 0.003 else "loose" if released < loose + 0.05
                  else "little" if drop < 0.05 else "much")
        why = (f"{label(key)} pressed at {p:.0f} MPa: relative density {under:.3f} under load, {released:.3f} once the "
               f"punch is lifted ({100 * drop:.1f} points less; the loose fill was {loose:.2f}). The compact springs back "
               f"elastically by {pct(float(springback(key, [p])[0]), 1)} of its thickness: most of the densification is "
               f"plastic and stays.")
        return answer, why

    return Question(
        prompt=f"{label(key)} powder is pressed at {p:.0f} MPa. When the punch is lifted (the pellet still in the "
               "die), its density …",
        choices=[("kept", "stays exactly what it was under load: pressing is permanent"),
                 ("little", "falls by a few percentage points at most: it springs back a little"),
                 ("much", "falls by more than 5 percentage points"),
                 ("loose", "falls back close to the loose powder's density")],
        judge=judge)


def explain_springback(key: str, pressure: float) -> str:
    """Why the released density is lower, with the numbers of the material and pressure on the sliders (HTML)."""
    under = float(density(key, [pressure])[0])
    released = float(density(key, [pressure], state="released_in_die")[0])
    M = material(key)["compact_modulus"]
    return (f"<p>{label(key)} at {pressure:.0f} MPa: {under:.3f} under load, {released:.3f} released. Under load the "
            f"particles flow plastically into the voids (Heckel); that part is permanent. On release only the elastic "
            f"strain comes back, strain = P / M with the compact's modulus M = {M:g} GPa, so the pellet grows by "
            f"{pct(float(springback(key, [pressure])[0]), 1)} of its thickness. A stiff material (high M) springs back "
            f"less; two neighbouring layers with different M grow by different amounts, which loads the interface "
            f"between them (delamination). Measure density after release, and compare it with the released "
            f"curve, not the curve under load.</p>")
