"""Honesty of the bands (issue 24, item 5): for every validation dataset the model was not fitted to, the share of
measured points inside the 90 % band of the prediction (coverage; target >= 80 %) and the band's median width
relative to the predicted value (sharpness). A band that covers everything by being huge is not a result: both are
reported.

The band is that of "a new laboratory" (pressbook.bands: the posterior of the joint calibration, the
between-laboratory scatter and the model error of conductivities, the uncalibrated interface ASRs). A condition a
source does not state is drawn over the range a laboratory would use (the same ranges as cases.py), never set to one
convenient value. Densities carry the density model error (the joint fit's pooled density residual). Materials
outside the joint calibration (NCM622) have no posterior: their compaction constants get the estimated
powder-to-powder spread (pressbook.bands.UNCALIBRATED), and the table says so.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

try:
    from . import literature as L
    from .cases import DOUX_STACK_RANGE, MINNMANN_FORMING_RANGE, RELEASED_STACK
except ImportError:  # imported as a top-level module (tools/)
    import literature as L
    from cases import DOUX_STACK_RANGE, MINNMANN_FORMING_RANGE, RELEASED_STACK

from pressbook import bands as B
from pressbook.design import Design, Die, Layer, Operation, Step
from pressbook.materials import default_library


@dataclass
class Coverage:
    name: str
    quantity: str
    n: int
    inside: int
    median_width: float  # (high - low) / predicted, median over the points
    covered_by: str       # what the band holds for these data

    @property
    def coverage(self) -> float:
        return self.inside / self.n


def _pellet(material=None, *, mass, die, pressure, hold=60.0, stack=RELEASED_STACK, composition=None) -> Design:
    return Design(title="pellet", die=Die(diameter=die),
                  layers=[Layer(name="pellet", role="separator", material=material, composition=composition, mass=mass)],
                  steps=[Step(add=["pellet"], pressure=pressure, hold=hold)], operation=Operation(stack_pressure=stack))


def _band(design, quantity, conditions=None):
    b = B.bands(design, conditions=conditions)
    return b.get(quantity, "pellet")


def _row(name, quantity, points, covered_by) -> Coverage:
    """points: [(measured, (low, high), predicted)]"""
    inside = sum(lo <= y <= hi for y, (lo, hi), _ in points)
    widths = [(hi - lo) / abs(m) for _, (lo, hi), m in points if m]
    return Coverage(name, quantity, len(points), int(inside), float(np.median(widths)), covered_by)


def rows() -> list[Coverage]:
    out = []
    # Doux 2020 (UCSD): a 370 MPa Li6PS5Cl pellet, 2-2.5 mS/cm, stack pressure not stated
    P, s, _ = L.doux_li6ps5cl_conductivity()
    d = _pellet("Li6PS5Cl", mass=200.0, die=13, pressure=P, stack=10.0)
    band = _band(d, "ionic_conductivity", {"operation.stack_pressure": DOUX_STACK_RANGE})
    mid = float(np.sqrt(band[0] * band[1]))
    out.append(_row("Doux 2020 Li6PS5Cl conductivity", "ionic conductivity (stack 1-100 MPa, not stated)",
                    [(s, band, mid)], "posterior, new laboratory, model error, unstated stack pressure"))
    # Minnmann 2021 (Giessen): Li6PS5Cl at ~40 MPa stack, forming pressure not stated
    row = [r for r in L.rows("conductivity_vs_pressure") if r["material"] == "Li6PS5Cl (NEI) pellet"][0]
    s = L.number(row["conductivity_mS_cm"])
    d = _pellet("Li6PS5Cl", mass=100.0, die=10, pressure=300.0, stack=40.0)
    band = _band(d, "ionic_conductivity", {"steps.1.pressure": MINNMANN_FORMING_RANGE})
    out.append(_row("Minnmann 2021 Li6PS5Cl conductivity", "ionic conductivity (forming 150-500 MPa, not stated)",
                    [(s, band, float(np.sqrt(band[0] * band[1])))],
                    "posterior, new laboratory, model error, unstated forming pressure"))
    # Miss 2026: Li5.5PS4.5Cl1.5 released in the die (the joint fit used under-load and ejected densities)
    dd = L.miss_li55_density("AFTER RELEASE")
    pts = []
    for P, y in zip(dd.x, dd.y):
        design = _pellet("Li5.5PS4.5Cl1.5", mass=80.2, die=10, pressure=float(P))
        b = B.bands(design)
        por = b.get("porosity", "pellet")
        band = (1.0 - por[1], 1.0 - por[0])
        pts.append((float(y), band, float(np.mean(band))))
    out.append(_row(dd.name, "relative density released in the die", pts, "posterior (Heckel, ejection constants), density model error"))
    # Miss 2026: NCM622 released (not in the joint calibration: no posterior)
    dd = L.miss_nmc622_density("AFTER RELEASE")
    pts = []
    for P, y in zip(dd.x, dd.y):
        por = B.bands(_pellet("NCM622", mass=80.0, die=10, pressure=float(P))).get("porosity", "pellet")
        pts.append((float(y), (1.0 - por[1], 1.0 - por[0]), 1.0 - float(np.mean(por))))
    out.append(_row(dd.name, "relative density released in the die", pts,
                    "NCM622 not in the joint calibration: estimated compaction spread, density model error"))
    # Minnmann 2021 composites (NCM622 + Li6PS5Cl, 380 MPa, 3 min)
    dm = L.minnmann_composite_porosity()
    lib = default_library()
    rc, rs = lib.get("NCM622")["density"], lib.get("Li6PS5Cl")["density"]
    pts = []
    for v, y in zip(dm.x, dm.y):
        f = v / 100.0 if v > 1 else v
        w = f * rc / (f * rc + (1 - f) * rs)
        design = _pellet(composition={"NCM622": w, "Li6PS5Cl": 1 - w}, mass=100.0, die=10,
                         pressure=dm.extra["pressure"], hold=dm.extra["hold"])
        por = B.bands(design).get("porosity", "pellet")
        pts.append((float(y), por, float(np.mean(por))))
    out.append(_row(dm.name, "composite porosity", pts, "SE posterior, NCM622's estimated spread, density model error"))
    return out


def table(rs: list[Coverage] | None = None) -> str:
    rs = rows() if rs is None else rs
    lines = [f"{'validation dataset':<52}{'n':>3}{'inside':>8}{'coverage':>10}{'width':>8}  band holds",
             "-" * 120]
    for r in rs:
        lines.append(f"{r.name[:51]:<52}{r.n:>3}{r.inside:>8}{100 * r.coverage:>9.0f}%{100 * r.median_width:>7.0f}%  "
                     f"{r.covered_by}")
    return "\n".join(lines)


if __name__ == "__main__":
    print(table())
