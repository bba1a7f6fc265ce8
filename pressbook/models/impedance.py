"""Equivalent circuit of the cell and its spectrum.

Circuit (impedance.py notation): R0 in series with one R||CPE per electrode interface::

    R0-p(R1,CPE1)-p(R2,CPE2)

R0 = separator resistance L/(sigma A) + composite-cathode ionic resistance / 3 (the low-frequency
limit of a transmission line, e.g. Minnmann 2021 doi:10.1149/1945-7111/abf8d7) + SE|SE contacts.
At room temperature the bulk and grain-boundary arcs of sulfides lie above 1 MHz, so the separator
shows as the high-frequency intercept (Ohno 2020, doi:10.1021/acsenergylett.9b02764). A stack without
electrodes ends in a blocking CPE (the current collectors). Z_CPE = 1 / (Q (j w)^alpha).
"""
from __future__ import annotations

import numpy as np

#: CPE exponent of interfaces (estimate: typical 0.8-0.9 for pressed interfaces; Koerver 2017 reports 0.71 for the SE bulk).
ALPHA = 0.85
#: Blocking-electrode double-layer capacitance, uF/cm2 (estimate: stainless-steel|sulfide 5-20 uF/cm2).
BLOCKING_C_UF_CM2 = 10.0
FREQUENCIES_HZ = np.logspace(6, -1, 71)


def cpe_impedance(Q, alpha, omega):
    return 1.0 / (Q * (1j * omega) ** alpha)


def rc_parallel(R, Q, alpha, omega):
    if not np.isfinite(R):
        return cpe_impedance(Q, alpha, omega)
    return R / (1.0 + R * Q * (1j * omega) ** alpha)


def spectrum(R0, arcs, blocking_Q=None, frequencies=FREQUENCIES_HZ):
    """Complex impedance (ohm) at ``frequencies``; arcs = [(R, Q, alpha), ...]."""
    omega = 2 * np.pi * np.asarray(frequencies)
    Z = np.full(omega.shape, complex(R0))
    for R, Q, alpha in arcs:
        Z = Z + rc_parallel(R, Q, alpha, omega)
    if blocking_Q is not None:
        Z = Z + cpe_impedance(blocking_Q, ALPHA, omega)
    return Z


def circuit_string(n_arcs: int, blocking: bool) -> str:
    parts = ["R0"] + [f"p(R{k},CPE{k})" for k in range(1, n_arcs + 1)]
    if blocking:
        parts.append(f"CPE{n_arcs + 1}")
    return "-".join(parts)


def capacitance_to_Q(C_F, R, alpha=ALPHA):
    """CPE Q giving the same characteristic frequency as an ideal C with R (Brug-like): Q = C^alpha R^(alpha-1)."""
    if not np.isfinite(R) or R <= 0:
        return C_F
    return C_F ** alpha * R ** (alpha - 1.0)
