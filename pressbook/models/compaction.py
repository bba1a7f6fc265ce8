"""Densification of a powder layer in a die: Heckel with pressure memory, hold-time creep,
warm pressing, die-wall friction through the stack, and elastic springback on unloading.

Equations
---------
Heckel (Heckel 1961, Trans. Metall. Soc. AIME 221, 671)::

    y = ln(1 / (1 - D)) = A + P / P_y(T) + c_creep * ln((1 + t_hold / 1 s) / (1 + t_ref / 1 s)),  t_ref = 60 s

D is the relative density *under load*, P the local axial pressure (MPa), P_y the apparent mean
yield pressure, A the intercept set by the fill density and particle rearrangement. A and P_y are
fitted to compaction curves taken with holds of about a minute (materials.toml), so the creep term is
referenced to that hold: it is zero at t_ref = 60 s, adds density for longer holds and removes some for
shorter ones. It is a logarithmic-in-time densification during the hold (an estimate of slow plastic
flow; no hold-time series was available for these powders). Warm pressing lowers the yield pressure,
P_y(T) = P_y(25 degC) * exp(-(T - 25 degC) / T_soft), an empirical Arrhenius-like softening.

Pressure memory: densification is irreversible, so a layer keeps the largest y it has reached;
pressing again below the earlier pressure does not densify it.

Springback (in-die, on release): the compact recovers elastically with the compact modulus M,
an effective modulus of the porous compact fitted to in-die thickness recovery (Miss et al. 2026,
doi:10.1021/acsami.6c03789)::

    h_released = h_load * (1 + P_max / M),   D_released = D_load / (1 + P_max / M)

Reloading to a pressure P below the maximum compresses it elastically again: D(P) = D_released * (1 + P / M).

Ejection: a pellet pushed out of the die also loses the radial confinement and recovers more. Miss
2026 measured the ejected uc-Li5.5PS4.5Cl1.5 pellet after 400 MPa at relative density 0.905, against the
model's 0.963 under load: a recovery 3.07 times the in-die one (tools/fit_library.py). So, for a pellet
measured out of the die (calipers, micrometer)::

    D_ejected = D_load / (1 + EJECTION_FACTOR * P_max / M),   EJECTION_FACTOR = 3.07

Die-wall friction (Janssen-Walker; e.g. German, Powder Metallurgy Science, 1994)::

    P(z) = P_applied * exp(-4 mu K z / D_die)

z the distance from the moving punch; single-acting pressing has one moving punch (the top of
the stack), double-acting two (z is the distance to the nearer punch). mu the wall friction
coefficient and K the radial-to-axial stress ratio (defaults are estimates, see FRICTION).
"""
from __future__ import annotations

import numpy as np

T_REF_C = 25.0
HOLD_TIME_SCALE_S = 1.0
#: Hold time at which the Heckel parameters of materials.toml were fitted (about 1 min): no creep term there.
HOLD_REF_S = 60.0

#: Die-wall friction defaults. Estimates: no friction coefficient has been measured for these
#: powders in hardened-steel or PEEK dies; mu = 0.25 and K = 0.4 are mid-range values of metal and
#: ceramic powder compaction (German 1994, ch. 10), so the axial-pressure loss for the thin pellets of
#: battery work (h/D ~ 0.1) is a few percent and only thick stacks see more.
FRICTION = {"mu": 0.25, "K": 0.4}


def yield_pressure_at(P_y, T_soft, temperature_C):
    """Heckel yield pressure (MPa) at temperature (degC): P_y * exp(-(T - 25)/T_soft)."""
    return np.asarray(P_y) * np.exp(-(np.asarray(temperature_C) - T_REF_C) / np.asarray(T_soft))


def heckel_y(pressure_MPa, A, P_y, c_creep=0.0, hold_s=HOLD_REF_S, T_soft=np.inf, temperature_C=T_REF_C):
    """Heckel variable y = ln(1/(1-D)) under load after a hold (dimensionless); creep referenced to HOLD_REF_S."""
    P = np.asarray(pressure_MPa, dtype=float)
    Py_T = yield_pressure_at(P_y, T_soft, temperature_C)
    creep = np.log1p(np.asarray(hold_s) / HOLD_TIME_SCALE_S) - np.log1p(HOLD_REF_S / HOLD_TIME_SCALE_S)
    return A + P / Py_T + np.asarray(c_creep) * creep


def density_from_y(y):
    """Relative density D = 1 - exp(-y)."""
    return -np.expm1(-np.asarray(y, dtype=float))


def y_from_density(D):
    return -np.log1p(-np.asarray(D, dtype=float))


def heckel_density(pressure_MPa, A, P_y, **kw):
    """Relative density under load at ``pressure_MPa`` from a loose fill (no memory)."""
    return density_from_y(heckel_y(pressure_MPa, A, P_y, **kw))


def press(y_prev, P_max_prev, pressure_MPa, A, P_y, c_creep, hold_s, T_soft, temperature_C):
    """One pressing step with memory. Returns (y, P_max): the Heckel state and the largest local pressure seen.

    y_prev is -inf (or A) for a loose fill that has not been pressed; P_max_prev 0 for it.
    """
    y_step = heckel_y(pressure_MPa, A, P_y, c_creep, hold_s, T_soft, temperature_C)
    return np.maximum(y_prev, y_step), np.maximum(P_max_prev, pressure_MPa)


def springback_strain(P_max_MPa, M_GPa):
    """Elastic thickness recovery on full release, P_max / M (dimensionless)."""
    return np.asarray(P_max_MPa) / (np.asarray(M_GPa) * 1e3)


#: Ejected-pellet recovery relative to the in-die springback (Miss 2026, one pellet at 400 MPa; taken for all
#: materials: an estimate beyond that argyrodite).
EJECTION_FACTOR = 3.07


def ejected_density(y, P_max_MPa, M_GPa):
    """Relative density of the pellet after it is pushed out of the die (see EJECTION_FACTOR)."""
    return density_from_y(y) / (1.0 + EJECTION_FACTOR * springback_strain(P_max_MPa, M_GPa))


def density_at(y, P_max_MPa, M_GPa, pressure_MPa):
    """Relative density at the current axial pressure (<= P_max): released density re-compressed elastically."""
    D_load_max = density_from_y(y)
    D_released = D_load_max / (1.0 + springback_strain(P_max_MPa, M_GPa))
    return np.minimum(D_released * (1.0 + springback_strain(pressure_MPa, M_GPa)), D_load_max)


def thickness_um(mass_mg, true_density_g_cm3, area_cm2, relative_density):
    """Layer thickness (um) from mass, true density, die area and relative density."""
    volume_cm3 = np.asarray(mass_mg) * 1e-3 / (np.asarray(true_density_g_cm3) * np.asarray(relative_density))
    return volume_cm3 / np.asarray(area_cm2) * 1e4


def friction_factor(depth_mm, die_diameter_mm, mu=FRICTION["mu"], K=FRICTION["K"]):
    """Janssen-Walker fraction of the applied axial pressure reaching depth z (mm) from the punch."""
    return np.exp(-4.0 * mu * K * np.asarray(depth_mm) / np.asarray(die_diameter_mm))
