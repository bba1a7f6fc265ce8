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

Composite cathode: ions move only through the SE fraction, so sigma_bulk of the composite is
sigma_SE * v_SE^1.5 (Bruggeman tortuosity; see materials.Library.composite) and the same law in D
applies to the composite's own density.
"""
from __future__ import annotations

import numpy as np

K_B_EV = 8.617333262e-5  # eV/K
T_REF_K = 298.15


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
