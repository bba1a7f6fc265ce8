"""Mechanical risks as scores between 0 and 1, each with its threshold and its source.

Levels: low below 0.33, medium below 0.66, high above.

* under-pressing / crumbling: logistic in the largest local pressure a powder layer saw,
  score = 1 / (1 + exp((P_max - P_c) / (0.25 P_c))), P_c the material's crumble pressure (about
  40 MPa for sulfide compacts and composites: DESIGN guide; estimate).
* SE cracking (over-pressing): score = clip((P_max / P_crack - 0.8) / 0.2), P_crack about 750 MPa
  (Yan et al. 2026 via a secondary summary: pellets fracture at 750 MPa; estimate).
* cathode particle cracking: score = clip((P_max / P_crack - 0.8) / 0.4), polycrystalline NCM
  510 MPa (Zhang et al. 2025, doi:10.1002/adma.202413499).
* lithium extrusion: friction-hill (Tresca sticking friction) flow pressure of a thin disc of radius R
  and thickness h: p_flow = sigma_y (1 + R / (3 sqrt(3) h)) (e.g. Hosford & Caddell, Metal Forming);
  score = clip(P / p_flow - 0.5).
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
    return clip01((np.asarray(P_max) / P_crack - 0.8) / 0.2)


def particle_cracking_score(P_max, P_crack):
    return clip01((np.asarray(P_max) / P_crack - 0.8) / 0.4)


def extrusion_flow_pressure(yield_strength, radius_mm, thickness_um):
    """Average pressure (MPa) at which a thin metal disc flows outwards (friction hill, sticking)."""
    return np.asarray(yield_strength) * (1.0 + np.asarray(radius_mm) * 1e3 / (3.0 * np.sqrt(3.0) * np.asarray(thickness_um)))


def extrusion_score(P, p_flow):
    return clip01(np.asarray(P) / p_flow - 0.5)


def lithium_creep_score(P_stack, P_press_max, porosity_se):
    scale = np.sqrt(np.maximum(porosity_se, 1e-6) / LI_REF_POROSITY)
    op = clip01(np.log(np.maximum(P_stack * scale, 1e-9) / LI_SAFE_STACK) / np.log(LI_SHORT_STACK / LI_SAFE_STACK))
    fab = clip01(np.log(np.maximum(P_press_max * scale, 1e-9) / LI_SAFE_PRESS) / np.log(LI_INSTANT_SHORT / LI_SAFE_PRESS))
    return np.maximum(op, fab), op, fab


def intermixing_short_score(depth_um, separator_um):
    return -np.expm1(-(np.asarray(depth_um) / np.maximum(separator_um, 1e-9)) / INTERMIX_SCALE)


def delamination_score(strain_a, strain_b):
    return clip01((np.abs(np.asarray(strain_a) - strain_b) - DELAM_ONSET) / DELAM_SPAN)
