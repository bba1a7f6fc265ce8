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


def ionic_conductivity(D, sigma_bulk, D_c, t, Ea_eV=0.0, temperature_C=25.0):
    """Ionic conductivity in mS/cm of a layer at relative density D and temperature (degC)."""
    D = np.asarray(D, dtype=float)
    x = np.clip((D - D_c) / (1.0 - np.asarray(D_c)), 0.0, 1.0)
    arrhenius = np.exp(-np.asarray(Ea_eV) / K_B_EV * (1.0 / (np.asarray(temperature_C) + 273.15) - 1.0 / T_REF_K))
    return np.asarray(sigma_bulk) * x ** np.asarray(t) * arrhenius


def layer_resistance_ohm(thickness_um, sigma_mS_cm, area_cm2):
    """Ionic resistance (ohm) of a layer: R = L / (sigma A); infinite when sigma is 0."""
    sigma_S_cm = np.asarray(sigma_mS_cm) * 1e-3
    with np.errstate(divide="ignore"):
        return np.where(sigma_S_cm > 0, np.asarray(thickness_um) * 1e-4 / (sigma_S_cm * area_cm2 + 1e-300), np.inf)


# ====================================================================== grain contacts under stack pressure (issue 12)
#: Defaults for a user SE without its own values: the argyrodite fit (materials.toml Li5.5PS4.5Cl1.5).
GRAIN_CONTACT_DEFAULTS = {"contact_exponent": 0.627, "contact_saturation": 107.4, "residual_contact": 0.052}


def grain_contact_factor(P_stack, P_form, m, P_sat, r):
    """Fraction of the closed-contact conductance at stack pressure ``P_stack`` (MPa) of a layer formed at the
    room-temperature-equivalent pressure ``P_form``: min(1, ((P_stack + r P_form) / P_sat)^m)."""
    P_eff = np.maximum(np.asarray(P_stack, dtype=float) + np.asarray(r) * np.asarray(P_form), 0.0)
    return np.minimum(P_eff / np.asarray(P_sat), 1.0) ** np.asarray(m)


def se_conductivity(sigma_bulk, D, P_stack, P_form, D_c, t, m=GRAIN_CONTACT_DEFAULTS["contact_exponent"],
                    P_sat=GRAIN_CONTACT_DEFAULTS["contact_saturation"], r=GRAIN_CONTACT_DEFAULTS["residual_contact"],
                    Ea_eV=0.0, temperature_C=25.0):
    """Ionic conductivity (mS/cm) of a pressed SE held at ``P_stack`` (MPa): the density law times the grain-contact
    factor, sigma_bulk ((D - D_c)/(1 - D_c))^t g_c(P_stack, P_form) Arrhenius(T).

    D: relative density in the cell; P_form: room-temperature-equivalent largest forming pressure (MPa; see
    the module docstring). Pure, vectorised. The reference conductivity of an SE network under the cell's stack
    pressure (composite cathodes take it from here)."""
    return (ionic_conductivity(D, sigma_bulk, D_c, t, Ea_eV, temperature_C)
            * grain_contact_factor(P_stack, P_form, m, P_sat, r))


def forming_equivalent_pressure(P_local, temperature_C, T_soft, T_ref_C=25.0):
    """Room-temperature-equivalent pressure (MPa) of a pressing at ``temperature_C``: P P_y(25)/P_y(T) =
    P exp((T - 25)/T_soft) (the Heckel softening law of models.compaction)."""
    return np.asarray(P_local) * np.exp((np.asarray(temperature_C) - T_ref_C) / np.asarray(T_soft))
