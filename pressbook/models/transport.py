"""Ionic transport in pressed layers.

Solid-electrolyte layer (empirical percolation / contact law, fitted per material)::

    sigma(D, T) = sigma_bulk * ((D - D_c) / (1 - D_c))^t * exp(-E_a/k_B (1/T - 1/T_ref))

D the relative density in the cell (after release, re-compressed by the operating stack pressure),
D_c and t fitted to conductivity-vs-density series (Miss et al. 2026, doi:10.1021/acsami.6c03789;
Sakuda et al. 2013, doi:10.1038/srep02261). Below D_c the layer conducts nothing (returned as 0).
Density is the memory of the forming pressure.

Grain contacts under the measurement (stack) pressure (issue 12, ``grain_contact_factor``,
``se_conductivity``): a cold-pressed pellet conducts through grain-to-grain contacts whose real area
depends on the pressure the pellet is held at, not only on its density. The conductance of a contact
scales with its area (R ~ A^-1, arXiv:2501.00600), and the real contact area of a rough contact
population grows as a power of the load until the contacts are closed::

    g_c = min(1, ((P_stack + r P_form) / P_sat)^m)
    sigma = sigma_bulk ((D - D_c)/(1 - D_c))^t g_c exp(-E_a/k_B (1/T - 1/T_ref))

P_form is the room-temperature-equivalent forming pressure (the largest local pressure, each step's
scaled by P_y(25 degC)/P_y(T_step): a contact made warm is as large as one made at a higher pressure
cold), and r P_form the contact pressure the plastic junctions keep after release (residual contact).
m and P_sat (argyrodite) are fitted to the Miss 2026 ratios of in-situ conductivity to the density-law
prediction (0.24, 0.63, 0.99 at 10, 50, 100 MPa); r to Cronau 2021's low- vs high-stack conductivity
of Li6PS5Br pellets (tools/fit_library.py). So a cold-pressed pellet measured at a few MPa conducts
markedly less than under 100 MPa, a hot-pressed one (large P_form) much less so, and the forming pressure
still matters through D and r P_form.

Composite cathode (percolation of the SE network among the active particles)::

    sigma_bulk,composite = sigma_SE,in-composite * ((v_SE - v_c(lambda)) / (1 - v_c(lambda)))^T_PERC,  0 below v_c
    v_c(lambda) = V_C1 / (1 + K_LAMBDA (lambda - 1)),   lambda = d_CAM / d_SE (>= 1)

v_SE is the SE volume fraction of the composite's solids, sigma_SE,in-composite the conductivity of the SE
grade as it is in the composite (a milled, finer SE conducts less: name that grade in the composition),
and the SE's own law (``se_conductivity``: density law and grain contacts under the stack pressure) then
applies to the composite's own relative density D, so
the composite's porosity lowers its conductivity on top of the active-material fraction (g(D)).
The threshold falls as the active particles get coarser than the SE particles (small particles percolate
through the interstices of large ones; Froboese 2019 doi:10.1149/2.0601902jes: particle size matters
above about 40 vol% filler). V_C1 = 0.29 (estimate: percolation of one species in a random packing of
equal spheres, contact-network threshold about 0.29-0.31) and K_LAMBDA = 0.19 (estimate: puts the
threshold at 0.21 for lambda = 3, i.e. the SE cluster breaking down above about 79 vol% active material,
Bielefeld et al. 2019 doi:10.1021/acs.jpcc.8b11043, taken at a typical NCM/SE size ratio of about 3: the
size ratio of that study is not verified here). T_PERC is fitted to the Asano et al. 2017
(doi:10.1149/2.1501714jes) NMC111 / Li3PS4-glass composites (tools/fit_library.py); it replaces the
Bruggeman exponent 1.5, which gave an implied tortuosity factor of about 1.2 against measured 4-7.
The size ratio comes from the layer's ``cam_d50`` / ``se_d50`` (design fields) or else from the components'
``particle_size`` (library defaults; NCM811 10 um over Li6PS5Cl 5 um gives 2).

Below the threshold (issue 23) ions still cross the layer, slowly: through the active particles' own Li-ion
conductivity and the isolated SE clusters between them. The composite's conductivity has a floor,
max(network law, v_CAM sigma_CAM) (``floor_conductivity``; sigma_CAM the material parameter
``active_ionic_conductivity``, an estimate of order 1e-5 to 1e-4 mS/cm for layered oxides), on which the
density and grain-contact law then act as on the SE network, so the impedance stays finite, and the
kernel reports the risk "no continuous ion path". Assumptions: the SE network percolates isotropically, and the
composite's density law is the SE's with a threshold density scaled to the composite's fill density
(materials.Library.composite).
"""
from __future__ import annotations

import numpy as np

K_B_EV = 8.617333262e-5  # eV/K
T_REF_K = 298.15


#: Composite percolation: threshold of equal-size spheres (estimate), its size-ratio coefficient (estimate,
#: Bielefeld 2019 anchor) and the exponent fitted to Asano 2017 (tools/fit_library.py).
V_C1 = 0.29
K_LAMBDA = 0.19
T_PERC = 1.98
#: mS/cm, Li-ion conductivity of an active material that does not give its own ``active_ionic_conductivity``
#: (estimate, 1e-5 to 1e-4 mS/cm: fully lithiated layered oxides; see materials.toml NCM811).
ACTIVE_IONIC_DEFAULT = 3e-5


def percolation_threshold(size_ratio):
    """SE volume fraction (of the solids) below which the SE network of a composite does not percolate."""
    lam = np.maximum(np.asarray(size_ratio, dtype=float), 1.0)
    return V_C1 / (1.0 + K_LAMBDA * (lam - 1.0))


def network_factor(v_se, v_c, t=T_PERC):
    """((v_SE - v_c) / (1 - v_c))^t, clipped to 0..1: the share of the SE's conductivity a dense composite keeps."""
    x = np.clip((np.asarray(v_se, dtype=float) - v_c) / (1.0 - np.asarray(v_c)), 0.0, 1.0)
    return x ** t


def composite_conductivity(sigma_SE_in_composite, v_se, size_ratio, sigma_floor=0.0, t=T_PERC):
    """Bulk ionic conductivity (mS/cm) of a dense composite from its SE's conductivity in the composite:
    max(sigma_SE,in-composite x network factor, sigma_floor).

    sigma_SE_in_composite: the bulk conductivity of the SE grade named in the composition (mS/cm; a milled grade
    brings its own). v_se: SE volume fraction of the solids; size_ratio: d_CAM / d_SE. sigma_floor (mS/cm): what
    crosses the layer without a continuous SE path (``floor_conductivity``). The kernel then applies the SE's own
    law on top, ``se_conductivity`` (the density law on the composite's D and the grain-contact factor of the
    forming and stack pressures), so the composite follows the stack pressure like its SE.
    """
    return np.maximum(np.asarray(sigma_SE_in_composite) * network_factor(v_se, percolation_threshold(size_ratio), t),
                      sigma_floor)


def floor_conductivity(v_cam, sigma_cam):
    """mS/cm: conduction of a composite below its SE's percolation threshold, v_CAM sigma_CAM (the active
    particles' own Li-ion conductivity ``active_ionic_conductivity`` times their volume fraction of the solids;
    the isolated SE clusters are counted as no better than the active material around them)."""
    return np.asarray(v_cam) * np.asarray(sigma_cam)


#: Risk "no continuous ion path": score 1 at and below the threshold v_c, falling linearly to 0 at
#: (1 + ION_PATH_MARGIN) v_c (estimate: there the network keeps only (0.2 v_c / (1 - v_c))^T_PERC, about 0.4 %
#: at v_c = 0.24, of its SE's conductivity; closer to v_c one missing contact breaks the path).
ION_PATH_MARGIN = 0.2


def ion_path_score(v_se, size_ratio):
    """Score (0-1) of a composite without a continuous SE path: clip(((1 + margin) v_c - v_SE) / (margin v_c))."""
    v_c = percolation_threshold(size_ratio)
    return np.clip(((1.0 + ION_PATH_MARGIN) * v_c - np.asarray(v_se)) / (ION_PATH_MARGIN * v_c), 0.0, 1.0)


def ionic_conductivity(D, sigma_bulk, D_c, t, Ea_eV=0.0, temperature_C=25.0, floor=0.0):
    """Ionic conductivity in mS/cm of a layer at relative density D and temperature (degC); the density law is kept
    at or above ``floor`` (a share of the dense value)."""
    D = np.asarray(D, dtype=float)
    x = np.clip((D - D_c) / (1.0 - np.asarray(D_c)), 0.0, 1.0)
    arrhenius = np.exp(-np.asarray(Ea_eV) / K_B_EV * (1.0 / (np.asarray(temperature_C) + 273.15) - 1.0 / T_REF_K))
    return np.asarray(sigma_bulk) * np.maximum(x ** np.asarray(t), floor) * arrhenius


def layer_resistance_ohm(thickness_um, sigma_mS_cm, area_cm2):
    """Ionic resistance (ohm) of a layer: R = L / (sigma A); infinite when sigma is 0."""
    sigma_S_cm = np.asarray(sigma_mS_cm) * 1e-3
    with np.errstate(divide="ignore"):
        return np.where(sigma_S_cm > 0, np.asarray(thickness_um) * 1e-4 / (sigma_S_cm * area_cm2 + 1e-300), np.inf)


# ====================================================================== grain contacts (issue 12, v3 issue 23)
#: Defaults for a user SE without its own values: the argyrodite joint fit (materials.toml Li6PS5Cl).
GRAIN_CONTACT_DEFAULTS = {"contact_exponent": 0.4753, "contact_saturation": 120.9, "contact_retention": 0.0631,
                          "overpress_onset": 392, "overpress_scale": 1686}


def loaded_contact(P, m, P_sat):
    """Grain-contact fraction of a powder compacted for the first time and held at P (MPa): min(1, P/P_sat)^m."""
    return np.minimum(np.maximum(np.asarray(P, dtype=float), 0.0) / np.asarray(P_sat), 1.0) ** np.asarray(m)


def grain_contact_factor(P_stack, P_form, m, P_sat, k):
    """Grain-contact fraction of a pellet formed at ``P_form`` and held at ``P_stack`` (MPa), v3::

        g = k g_load(P_f) + (1 - k) g_load(P_stack),   P_f = max(P_form, P_stack)

    A pellet keeps the share k of the contact it reached at its forming pressure (irreversible plastic junctions;
    Miss 2026 SI: the gain on compaction is largely irreversible) and the stack pressure re-closes the rest
    elastically with the first-compaction law. At P_stack = P_form this is the in-situ law (Miss 2026); at 0 it
    is k g_load(P_form). k is fitted jointly (pressbook.lab.joint_calibration) on Cronau 2021 pellets measured at
    stated stack pressures after stated forming pressures."""
    P_f = np.maximum(np.asarray(P_form, dtype=float), np.asarray(P_stack, dtype=float))
    k = np.asarray(k)
    return k * loaded_contact(P_f, m, P_sat) + (1.0 - k) * loaded_contact(P_stack, m, P_sat)


def sintered_retention(k, T_form_C, T_soft, T_ref_C=25.0):
    """Retained grain contact of a layer pressed at up to ``T_form_C``: 1 - (1 - k) exp(-(T - 25 degC)/T_soft).

    Warm pressing welds the grain contacts (the junctions sinter), so a hot-pressed or annealed pellet keeps its
    contact when the pressure is released: Cronau 2021 Fig. 4d, a micro-crystalline Li6PS5Br pellet annealed at
    550 degC after pressing conducts 2.4 mS/cm at ~10 MPa with sputtered electrodes against 0.59 unannealed (its
    plateau ~2.2). T_soft is the Heckel softening temperature of the material (models.compaction): the same
    thermal softening that lowers the yield pressure. Equal to k at room temperature."""
    dT = np.maximum(np.asarray(T_form_C, dtype=float) - T_ref_C, 0.0)
    return 1.0 - (1.0 - np.asarray(k)) * np.exp(-dT / np.asarray(T_soft))


def overpress_factor(P_form, onset, scale):
    """Share of the conductivity an over-pressed pellet keeps: 1 / (1 + max(P_form - onset, 0) / scale).

    Pressing far beyond densification cracks grains and smears grain boundaries; pellets formed at 1-2 GPa
    conduct less than those formed at 300-450 MPa. Fitted on the Cronau 2021 plateau values over forming pressure
    (195-487 MPa; joint calibration) with a wide prior: beyond 500 MPa it is an extrapolation."""
    return 1.0 / (1.0 + np.maximum(np.asarray(P_form, dtype=float) - onset, 0.0) / np.asarray(scale))


#: Conduction of an SE layer below its percolation density: the share of the dense value a loose compact keeps
#: through point contacts (estimate: a tapped powder conducts 1e-4 to 1e-3 of its pellet, e.g. Miss 2026 at
#: 10 MPa in situ is 0.58 mS/cm of 4 at 400 MPa while ~0.55 dense; taken as a floor so the answer stays finite
#: and the layer is flagged "no continuous ion path").
SUBPERCOLATION_FLOOR = 1e-3


#: Width (relative density) over which the "no continuous ion path" score of an SE layer falls from 1 at its
#: percolation density to 0 (estimate: about the density a layer gains from 10 % more pressure near D_c).
DENSITY_PATH_WIDTH = 0.02


def density_path_score(D, D_c, width=DENSITY_PATH_WIDTH):
    """Score (0-1) of "no continuous ion path" for an SE layer: 1 at or below D_c, 0 from D_c + width."""
    return np.clip((np.asarray(D_c) + width - np.asarray(D, dtype=float)) / width, 0.0, 1.0)


def se_conductivity(sigma_bulk, D, P_stack, P_form, D_c, t, m=GRAIN_CONTACT_DEFAULTS["contact_exponent"],
                    P_sat=GRAIN_CONTACT_DEFAULTS["contact_saturation"], k=GRAIN_CONTACT_DEFAULTS["contact_retention"],
                    Ea_eV=0.0, temperature_C=25.0, onset=GRAIN_CONTACT_DEFAULTS["overpress_onset"],
                    scale=GRAIN_CONTACT_DEFAULTS["overpress_scale"]):
    """Ionic conductivity (mS/cm) of a pressed SE held at ``P_stack`` (MPa)::

        sigma = sigma_bulk max(((D - D_c)/(1 - D_c))^t, FLOOR) g(P_stack, P_form) h(P_form) Arrhenius(T)

    D: relative density in the cell; P_form: room-temperature-equivalent largest forming pressure (MPa); g the
    grain contacts (``grain_contact_factor``), h the over-pressing loss (``overpress_factor``). Below D_c the layer
    keeps SUBPERCOLATION_FLOOR of its dense conduction (finite; flagged by the kernel). Pure, vectorised."""
    return (ionic_conductivity(D, sigma_bulk, D_c, t, Ea_eV, temperature_C, SUBPERCOLATION_FLOOR)
            * grain_contact_factor(P_stack, P_form, m, P_sat, k) * overpress_factor(P_form, onset, scale))


def forming_equivalent_pressure(P_local, temperature_C, T_soft, T_ref_C=25.0):
    """Room-temperature-equivalent pressure (MPa) of a pressing at ``temperature_C``: P P_y(25)/P_y(T) =
    P exp((T - 25)/T_soft) (the Heckel softening law of models.compaction)."""
    return np.asarray(P_local) * np.exp((np.asarray(temperature_C) - T_ref_C) / np.asarray(T_soft))
