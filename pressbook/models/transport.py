"""Ionic transport in pressed layers.

Solid-electrolyte layer (empirical percolation / contact law, fitted per material)::

    sigma(D, T) = sigma_bulk * ((D - D_c) / (1 - D_c))^t * exp(-E_a/k_B (1/T - 1/T_ref))

D the relative density in the cell (after release, re-compressed by the operating stack pressure),
D_c and t fitted to conductivity-vs-density series (Miss et al. 2026, doi:10.1021/acsami.6c03789;
Sakuda et al. 2013, doi:10.1038/srep02261). Below D_c the layer conducts nothing (returned as 0).
The grain-boundary resistance that falls with forming pressure is carried by the same law: density
is the memory of the forming pressure, so fabrication and operating stack pressure stay separate.

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
