"""Regenerate the sample measurement files in this folder (synthetic: the model plus seeded noise).

    python notebooks/data/make_samples.py

They stand in for a lab's own files so that the calibrate notebook can be tried at once; the
parameters used are written in each file's comment line, so a fit can be checked against them.
"""
import math
from pathlib import Path

import numpy as np

from pressbook import presets, simulate
from pressbook.lab.spectrum import circuit_impedance
from pressbook.materials import default_library
from pressbook.models import compaction as cp
from pressbook.models import transport as tr

HERE = Path(__file__).resolve().parent


def main():
    rng = np.random.default_rng(2026)
    m = default_library().get("Li6PS5Cl")
    A, Py, sb, Dc, t = 1.05, 420.0, 3.2, 0.66, 1.1
    hold, mass, D = 120.0, 100.0, 10.0
    P = np.array([25, 50, 75, 100, 150, 200, 250, 300, 370, 450, 520], float)
    D_load = cp.heckel_density(P, A, Py, c_creep=m["creep_coefficient"], hold_s=hold,
                               T_soft=m["softening_temperature"], temperature_C=25.0)
    D_rel = D_load / (1 + cp.springback_strain(P, m["compact_modulus"]))
    area = math.pi * (D / 20) ** 2
    h = mass * 1e-3 / (m["density"] * D_rel) / area * 1e4 + rng.normal(0, 4.0, P.size)
    sigma = tr.ionic_conductivity(D_rel, sb, Dc, t) * np.exp(rng.normal(0, 0.04, P.size))
    lines = [f"# synthetic Li6PS5Cl-like series: Heckel A = {A} (model terms), P_y = {Py} MPa, sigma_bulk = {sb} mS/cm, "
             f"D_c = {Dc}, t = {t}; {mass:g} mg pellets in a {D:g} mm die, hold {hold:g} s, thickness after release",
             "pressure_MPa,thickness_um,mass_mg,diameter_mm,conductivity [mS/cm]"]
    for p, hh, s in zip(P, h, sigma):
        lines.append(f"{p:g},{hh:.1f},{mass:g},{D:g},{'' if p < 60 else f'{s:.3f}'}")
    (HERE / "compaction_thickness.csv").write_text("\n".join(lines) + "\n")

    D_load2 = cp.heckel_density(P, 0.55, 190.0, c_creep=0.03, hold_s=60.0, T_soft=75.0, temperature_C=25.0)
    D_rel2 = D_load2 / (1 + cp.springback_strain(P, 20.0)) + rng.normal(0, 0.004, P.size)
    lines = ["# synthetic glass-like series (Li3PS4 terms): Heckel A = 0.55, P_y = 190 MPa; relative density after release",
             "pressure [MPa];relative density [%]"]
    lines += [f"{p:g};{100 * d:.2f}".replace(".", ",") for p, d in zip(P, D_rel2)]
    (HERE / "compaction_density_semicolon.csv").write_text("\n".join(lines) + "\n")

    o = simulate(presets.three_step())
    params = np.array(o.impedance.parameters, float)
    true = params.copy()
    true[0] *= 1.25
    true[1] *= 0.6
    true[4] *= 3.0  # a larger, slower anode arc than predicted: separated from the cathode arc
    true[5] *= 5.0
    f = np.logspace(6, -1, 57)
    Z = circuit_impedance(o.impedance.circuit, true, f)
    rng = np.random.default_rng(1)  # the spectra's own noise
    noise = rng.normal(size=f.size) + 1j * rng.normal(size=f.size)
    about = f"{o.impedance.circuit}, parameters " + ", ".join(f"{v:.4g}" for v in true)
    # a steady cell and 0.2 % noise: passes the Kramers-Kronig check (residuals below 1 % of |Z|)
    spectrum_file("eis_three_step.csv", f, Z + np.abs(Z) * 0.002 * noise,
                  f"# synthetic spectrum of the three-step cell: {about}; 0.2 % noise")
    # the same cell drifting while measured (high to low frequency, its impedance 20 % larger by the last
    # point): no causal linear system gives it, so it fails the Kramers-Kronig check, on purpose
    drift = 1 + 0.20 * np.linspace(0, 1, f.size)
    spectrum_file("eis_fails_kk_on_purpose.csv", f, Z * drift + np.abs(Z) * 0.002 * noise,
                  f"# synthetic spectrum of the three-step cell drifting 20 % while measured: {about}; 0.2 % noise; "
                  "fails the Kramers-Kronig check on purpose")
    (HERE / "three_step_design.toml").write_text(presets.three_step().to_toml())


def spectrum_file(name: str, f, Z, comment: str) -> None:
    lines = [comment, "freq/Hz,Re(Z)/Ohm,-Im(Z)/Ohm"]
    lines += [f"{a:.6g},{z.real:.5g},{-z.imag:.5g}" for a, z in zip(f, Z)]
    (HERE / name).write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
