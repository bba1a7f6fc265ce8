"""Mechanical risks as scores between 0 and 1, each with its threshold and its source.

Levels: low below 0.33, medium below 0.66, high above.

* under-pressing / crumbling: logistic in the largest local pressure a powder layer saw,
  score = 1 / (1 + exp((P_max - P_c) / (0.25 P_c))), P_c the material's crumble pressure (about
  40 MPa for sulfide compacts and composites: DESIGN guide; estimate).
* SE cracking (over-pressing): score = clip((P_max / P_crack - 0.8) / 0.2), P_crack about 750 MPa
  (Yan et al. 2026 via a secondary summary: pellets fracture at 750 MPa; estimate).
* cathode particle cracking: score = clip((P_max / P_crack - 0.8) / 0.4), polycrystalline NCM
  510 MPa (Zhang et al. 2025, doi:10.1002/adma.202413499).
* metal extrusion (foil in a die). A foil cut smaller than the die (radius a < R_die) first spreads
  outwards as a free disc between two sticking faces (slab / friction-hill analysis, Tresca friction
  k = sigma_y / sqrt(3) on both faces; e.g. Hosford & Caddell, Metal Forming)::

      p_spread = sigma_y (1 + 2 a / (3 sqrt(3) h))

  above p_spread it flows until it meets the wall, thinning to h (a / R)^2; below it stays where it is.
  A foil that fills the die (given no diameter, or spread to the wall) is confined: it can only creep into
  the annular punch-die clearance c. Li (and In) creep at room temperature by power-law creep
  eps_dot = EPS_REF (sigma / sigma_y)^N (N = 6.6, Masias et al. 2019 / LePage et al. 2019, as stated in
  the issue; EPS_REF = 6.4e-5 1/s the strain rate below which Li flows without a stress increase,
  Darnbrough & Armstrong 2024, taken at the library yield strength). Flow of a power-law solid into a slit
  of width c driven by the foil's pressure p (wall shear stress tau_w = p c / (2 delta), shear rate
  gamma_dot = sqrt(3) EPS_REF (sqrt(3) tau / sigma_y)^N, mean velocity N/(2N+1) (c/2) gamma_dot(tau_w))
  gives the extruded length after the holds t_k at pressures p_k::

      delta^(N+1) = (N+1) N/(2N+1) (c/2) B (c/2)^N sum_k p_k^N t_k,    B = sqrt(3) EPS_REF (sqrt(3)/sigma_y)^N

  and the foil loses the thickness 2 c delta / R into the gap. score = clip((x - X_ONSET) / X_SPAN) with
  x = 2 c delta / (R h) the thinning fraction, X_ONSET 0.5 %, X_SPAN 4 % (estimates: below half a percent the
  rim in the clearance is cosmetic; several percent of the foil lost into the gap jams the punch, tears or
  thins the foil and puts metal along the die wall). Calibration cases that must stay low: Doux 2020
  (500 um Li, 12.7 mm in a 13 mm die, 25 MPa) and Minnmann 2021 (100 um In, 9 mm in 10 mm, ~40 MPa); thin
  Li (50 um) at 30-50 MPa is medium to high. The clearance defaults to CLEARANCE_UM = 15 um (estimate:
  hardened-steel and PEEK laboratory dies are made with 5-25 um radial clearance).
* metal creep into the SE pores (intermixing): the depth the old linear rule gave,
  d_lin = d_pore max(P / H - 1, 0) with d_pore = d50 phi / (1 - phi), saturates with the depth of pores
  accessible from the surface, d_acc = N_ACCESS d50 (estimate: 3 particle layers; deeper, the pore
  throats narrow below the metal's creep length scale): delta = d_acc (1 - exp(-d_lin / d_acc)).
* lithium creep into the SE / short circuit: Doux et al. 2020 (doi:10.1002/aenm.201903253): with an
  18 %-porous Li6PS5Cl separator, no short at 5 MPa stack pressure over 1000 h, shorts in 48 h at 25 MPa,
  at once when pressed at 75 MPa. Operation: score = clip(ln(P_eff/5) / ln(25/5)); pressing:
  score = clip(ln(P/25) / ln(75/25)); P_eff = P sqrt(porosity / 0.18) (estimate: more porosity, more
  paths).
* intermixing short: score = 1 - exp(-(delta_total / t_separator) / 0.15), a quarter of the separator
  intermixed gives a high score (estimate).
* delamination: in-die springback strain P_max / M differs between neighbours; score =
  clip((|eps_a - eps_b| - 0.045) / 0.02). Estimate with two anchors: cathode composites are bonded onto
  argyrodite routinely at 360-500 MPa without delamination (a mismatch up to about 4.5 % in this model for
  NCM811:Li6PS5Cl 70:30 on Li6PS5Cl), while Yan et al. 2026 (secondary summary) report delamination at
  625 MPa (about 6 %): low below 4.5 %, high from about 6 %.
"""
from __future__ import annotations

import numpy as np

LEVELS = ((0.33, "low"), (0.66, "medium"), (np.inf, "high"))
LI_SAFE_STACK, LI_SHORT_STACK = 5.0, 25.0        # MPa, Doux 2020
LI_SAFE_PRESS, LI_INSTANT_SHORT = 25.0, 75.0     # MPa, Doux 2020
LI_REF_POROSITY = 0.18                           # Doux 2020 separator
INTERMIX_SCALE = 0.15
#: Foil extrusion and creep (see the docstring): stress exponent (Masias 2019 / LePage 2019), reference strain
#: rate at the yield strength (Darnbrough & Armstrong 2024), default die clearance (estimate), score thresholds
#: (estimates) and the accessible depth of SE pores in particle diameters (estimate).
CREEP_N = 6.6
EPS_REF = 6.4e-5
CLEARANCE_UM = 15.0
X_ONSET, X_SPAN = 0.005, 0.04
N_ACCESS = 3.0
DELAM_ONSET, DELAM_SPAN = 0.045, 0.02


def level(score: float) -> str:
    for bound, name in LEVELS:
        if score < bound:
            return name
    return "high"


def clip01(x):
    return np.clip(x, 0.0, 1.0)


def crumbling_score(P_max, P_crumble):
    P_c = np.maximum(np.asarray(P_crumble, dtype=float), 1e-9)
    return 1.0 / (1.0 + np.exp(np.clip((np.asarray(P_max) - P_c) / (0.25 * P_c), -50, 50)))


def se_cracking_score(P_max, P_crack):
    """v2 score on a cracking pressure (kept for callers that give one; the kernel uses ``overpress_score``)."""
    return clip01((np.asarray(P_max) / P_crack - 0.8) / 0.2)


#: Loss of conduction from over-pressing at which the SE-cracking score is medium (0.33) and high (0.66):
#: 15 % and 25 % (estimate: a loss beyond the 10 % digitizing and lab-to-lab scatter of a plateau value).
OVERPRESS_LOSS_MEDIUM = 0.15
OVERPRESS_LOSS_HIGH = 0.25


def overpress_score(loss):
    """SE cracking / over-pressing score (0-1) from the share of conduction lost to over-pressing (issue 23: the
    measured fall of conduction with forming pressure, Cronau 2021 via the joint calibration, replaces the 750 MPa
    of a vendor page): linear through 0.33 at OVERPRESS_LOSS_MEDIUM and 0.66 at OVERPRESS_LOSS_HIGH."""
    span = (OVERPRESS_LOSS_HIGH - OVERPRESS_LOSS_MEDIUM) / 0.33
    return clip01((np.asarray(loss) - (OVERPRESS_LOSS_MEDIUM - 0.33 * span)) / span)


def particle_cracking_score(P_max, P_crack):
    return clip01((np.asarray(P_max) / P_crack - 0.8) / 0.4)


def extrusion_flow_pressure(yield_strength, radius_mm, thickness_um):
    """Average pressure (MPa) at which a free thin metal disc spreads outwards (friction hill, both faces
    sticking): sigma_y (1 + 2 R / (3 sqrt(3) h))."""
    return np.asarray(yield_strength) * (1.0 + 2.0 * np.asarray(radius_mm) * 1e3 /
                                         (3.0 * np.sqrt(3.0) * np.asarray(thickness_um)))


def creep_dose(P, hold_s, n=CREEP_N):
    """sum_k p_k^N t_k contribution of one hold (MPa^N s): the driving term of power-law gap extrusion."""
    return np.maximum(np.asarray(P, dtype=float), 0.0) ** n * np.asarray(hold_s)


def gap_extrusion_length(dose, yield_strength, clearance_um, n=CREEP_N, eps_ref=EPS_REF):
    """Length (um) a power-law creeping metal has flowed into a slit of width c after ``dose`` = sum p^N t."""
    c = np.asarray(clearance_um, dtype=float) * 1e-3  # mm
    sy = np.asarray(yield_strength, dtype=float)
    B = np.sqrt(3.0) * eps_ref * (np.sqrt(3.0) / sy) ** n
    k = (n + 1.0) * n / (2.0 * n + 1.0) * (c / 2.0) * B * (c / 2.0) ** n
    return (k * np.asarray(dose)) ** (1.0 / (n + 1.0)) * 1e3


def extrusion_thinning(dose, yield_strength, clearance_um, die_radius_mm, thickness_um):
    """Fraction of a confined foil's thickness lost into the punch-die clearance: 2 c delta / (R h)."""
    delta = gap_extrusion_length(dose, yield_strength, clearance_um)
    return 2.0 * np.asarray(clearance_um) * delta / (np.asarray(die_radius_mm) * 1e3 * np.asarray(thickness_um))


def extrusion_score(x):
    """Score of a thinning fraction x lost into the clearance (0 below X_ONSET, 1 from X_ONSET + X_SPAN)."""
    return clip01((np.asarray(x) - X_ONSET) / X_SPAN)


def extrusion_onset_pressure(P_max, x, n=CREEP_N):
    """Pressure (MPa) at which the same holds would thin the foil by X_ONSET (x scales as P^(N/(N+1)))."""
    lx = np.log(np.maximum(np.asarray(x, dtype=float), 1e-300))
    return np.asarray(P_max) * np.exp(np.minimum((n + 1.0) / n * (np.log(X_ONSET) - lx), 700.0))


def pore_penetration_depth(P, H_metal, d50_se_um, porosity_se, n_access=N_ACCESS):
    """Depth (um) a soft metal foil creeps into the pores of the SE it is pressed onto, saturating with the
    accessible depth N_ACCESS d50 (see the docstring)."""
    d_pore = np.asarray(d50_se_um) * porosity_se / np.maximum(1.0 - np.asarray(porosity_se), 1e-6)
    d_lin = d_pore * np.maximum(np.asarray(P) / H_metal - 1.0, 0.0)
    d_acc = np.maximum(n_access * np.asarray(d50_se_um), 1e-9)
    return d_acc * -np.expm1(-d_lin / d_acc)


def lithium_creep_score(P_stack, P_press_max, porosity_se):
    scale = np.sqrt(np.maximum(porosity_se, 1e-6) / LI_REF_POROSITY)
    op = clip01(np.log(np.maximum(P_stack * scale, 1e-9) / LI_SAFE_STACK) / np.log(LI_SHORT_STACK / LI_SAFE_STACK))
    fab = clip01(np.log(np.maximum(P_press_max * scale, 1e-9) / LI_SAFE_PRESS) / np.log(LI_INSTANT_SHORT / LI_SAFE_PRESS))
    return np.maximum(op, fab), op, fab


def intermixing_short_score(depth_um, separator_um):
    return -np.expm1(-(np.asarray(depth_um) / np.maximum(separator_um, 1e-9)) / INTERMIX_SCALE)


def delamination_score(strain_a, strain_b):
    return clip01((np.abs(np.asarray(strain_a) - strain_b) - DELAM_ONSET) / DELAM_SPAN)
