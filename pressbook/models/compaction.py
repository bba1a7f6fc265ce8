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

    D_ejected = D_load / (1 + eps_ej),  eps_ej = kappa P_y (1 - exp(-P_max/P_y)) / M  (saturating, issue 23)

Die-wall friction (Janssen-Walker; e.g. German, Powder Metallurgy Science, 1994)::

    P(z) = P_applied * exp(-4 mu K z / D_die)

Hard/soft mixtures (composite cathodes: hard active particles in a soft SE). The soft phase flows into
the voids between the hard particles, so the pores of the compact live in the soft phase: with hard
particles dispersed in the SE matrix (v_s, v_h the soft and hard volume fractions of the solids)::

    phi_matrix = v_s / (exp(y_s) - 1 + v_s)          y_s = Heckel variable of the soft phase at P (1 - S)

(pore volume v_s (1/D_s - 1) per unit solid volume), which makes a lean composite denser than its SE
pressed alone, as measured (Minnmann 2021: 7.6 % porosity at 25 vol% NCM622 after 380 MPa). When the
hard particles touch, their contact network (skeleton) carries a share S of the load and limits
densification (Bouvard 2000, Powder Technol. 111, 231: hard inclusions above a contact-percolation
fraction retard the densification of hard/soft powder mixtures)::

    phi_skeleton = 1 - 1 / (v_h / D_h(P) + v_s / D_s)     (hard skeleton; the SE in pockets beside it)
    phi = (1 - S) phi_matrix + S phi_skeleton
    S = clip((v_h - v_c) / (1 - v_c), 0, 1)

v_c = 0.29 the contact-network threshold of one species in a random packing (estimate, as
transport.V_C1); S grows linearly from the threshold to 1 for the pure hard powder. In the skeleton part
the SE is shielded (it sees P (1 - S)) and sits in pockets beside the load-bearing hard network without
filling its voids (small SE particles trapped between hard contacts: the upper bound of that part's
porosity). Nothing here is fitted to composite data: the Minnmann 2021 composites (25-61 vol% NCM622,
380 MPa) are an out-of-sample test (tests/validation).
The composite keeps the kernel's Heckel form: materials.Library.composite takes A as the loose binary
packing (volume mean of the intercepts) and fits an effective P_y to y = -ln(phi) over 100-600 MPa at the
reference hold (mixture_heckel), so pressure memory, creep, friction
and springback act on composites as on any powder. The compact modulus of the mixture is
1/M = (1 - S) v_s / M_s + S / M_h (a soft matrix with stiff inclusions springs back only through its
soft phase; a hard skeleton like the hard powder). Assumptions: the hard particles do not deform (their
own Heckel law describes only their rearrangement and crushing in the skeleton), the soft phase is
well dispersed (dry mixing), and one particle-size-independent S (the size ratio is not resolved here).

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


#: Hard/soft mixtures: contact-network threshold of the hard phase (estimate, see transport.V_C1).
HARD_NETWORK_THRESHOLD = 0.29
#: Pressures (MPa) over which the effective Heckel P_y of a mixture is fitted (the pressed regime).
MIXTURE_FIT_PRESSURES = np.linspace(100.0, 600.0, 21)


def skeleton_share(v_hard, v_c=HARD_NETWORK_THRESHOLD):
    """Share S (0..1) of the load carried by the hard-particle skeleton at hard volume fraction v_hard."""
    return np.clip((np.asarray(v_hard, dtype=float) - v_c) / (1.0 - v_c), 0.0, 1.0)


def mixture_porosity(P, v_hard, soft, hard, hold_s=HOLD_REF_S):
    """Porosity under load of a hard/soft powder mixture at pressure P (MPa), from a loose fill.

    soft, hard: (A, P_y, c_creep) Heckel parameters of each phase (25 degC). See the module docstring.
    """
    P = np.asarray(P, dtype=float)
    v_h = float(v_hard)
    v_s = 1.0 - v_h
    S = skeleton_share(v_h)
    y_s = heckel_y(P * (1.0 - S), *soft[:2], c_creep=soft[2], hold_s=hold_s)
    y_h = heckel_y(P, *hard[:2], c_creep=hard[2], hold_s=hold_s)
    phi_matrix = v_s / (np.expm1(y_s) + v_s)
    if v_h <= 0.0:
        return phi_matrix
    volume = v_h / density_from_y(y_h) + v_s / density_from_y(y_s)
    return (1.0 - S) * phi_matrix + S * (1.0 - 1.0 / volume)


def mixture_heckel(v_hard, soft, hard):
    """Effective Heckel (A, P_y) of a mixture and the skeleton share S.

    A is the loose binary packing, the volume mean of the phases' intercepts (before the soft phase flows the
    hard particles are not embedded: the matrix law holds only for a pressed compact); 1/P_y is the least
    squares slope of y - A = P / P_y with y = -ln(phi) of the mixture law over MIXTURE_FIT_PRESSURES (the
    pressed regime, reference hold)."""
    P = MIXTURE_FIT_PRESSURES
    y = -np.log(np.maximum(mixture_porosity(P, v_hard, soft, hard), 1e-12))
    A = (1.0 - v_hard) * soft[0] + v_hard * hard[0]
    slope = np.sum((y - A) * P) / np.sum(P * P)
    return float(A), float(1.0 / max(slope, 1e-6)), float(skeleton_share(v_hard))


def mixture_modulus(v_hard, M_soft, M_hard):
    """Compact modulus (GPa) of a mixture: 1/M = (1 - S) v_s / M_s + S / M_h."""
    S = skeleton_share(v_hard)
    return 1.0 / ((1.0 - S) * (1.0 - v_hard) / M_soft + S / M_hard)


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


#: Ejected-pellet recovery at small pressure relative to the in-die springback (joint calibration, issue 23: Miss
#: 2026's ejected Li5.5PS4.5Cl1.5 pellet and Doux 2020's ejected Li6PS5Cl pellets; an estimate beyond argyrodites).
EJECTION_FACTOR = 7.985


def ejection_strain(P_max_MPa, M_GPa, P_y, kappa=EJECTION_FACTOR):
    """Extra thickness recovery when the pellet is pushed out of the die (v3, issue 23)::

        eps_ej = kappa P_y (1 - exp(-P_max / P_y)) / M

    The radial stress locked in by the die wall, which the ejection releases, cannot exceed what the compact
    carries before it yields again, so the recovery saturates at about kappa P_y / M instead of growing with P_max
    (v2: kappa P_max / M made the ejected density fall from 0.84 at 750 MPa to 0.75 at 2 GPa). Equal to v2 for
    P_max << P_y. The ejected density then never falls with pressure (density grows as exp(-P/P_y) too)."""
    P_y = np.asarray(P_y, dtype=float)
    return np.asarray(kappa) * P_y * -np.expm1(-np.asarray(P_max_MPa) / P_y) / (np.asarray(M_GPa) * 1e3)


def ejected_density(y, P_max_MPa, M_GPa, P_y, kappa=EJECTION_FACTOR):
    """Relative density of the pellet after it is pushed out of the die: D_load / (1 + eps_ej) (``ejection_strain``)."""
    return density_from_y(y) / (1.0 + ejection_strain(P_max_MPa, M_GPa, P_y, kappa))


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
