"""Interfaces between layers: contact, interfacial resistance and intermixing.

Contact (irreversible plastic flow of either side; an estimate of this package built on the
DESIGN guide f = 1 - exp(-P/H))::

    Phi += sum_sides max(P - P_prev_side, 0) / H_side      at every step that presses the interface
    f_fab = 1 - exp(-Phi)

H is the contact hardness of a side (the Heckel yield pressure of a powder, Hersey & Rees 1971;
3 sigma_y of a metal foil, Tabor). P_prev_side is the largest pressure that side saw before; a loose
powder has 0. So a pre-compacted SE (P_prev = 300 MPa) yields again only above 300 MPa: the
differential pressure of multi-step pressing; the softer partner dominates Phi.

In the cell after release, part of the contact is lost and the stack pressure restores some::

    f_cell = 1 - exp(-(RETENTION * Phi + P_stack / H_softer))

Interfacial ASR (constriction of current through the real contact area; R ~ P^-0.5, arXiv:2501.00600)::

    ASR = ASR_intrinsic / f^BETA

Intermixing depth when the coarser particles of one side are pushed into the other side::

    delta = d_coarse * (ROUGHNESS + N_MIX * (1 - exp(-max(P - P_prev_sub, 0) / H_sub)))

A loose substrate (P_prev_sub = 0) mixes over several particle diameters; a pre-compacted flat SE
only over its roughness unless the bonding pressure exceeds its pre-compaction pressure.
Lithium creep into the SE porosity (metal foil on a porous SE)::

    delta_Li = d_pore * max(P / H_Li - 1, 0),  d_pore = d50_SE * phi / (1 - phi)
"""
from __future__ import annotations

import numpy as np

#: Fraction of the fabricated contact kept after release. Estimate: pressed sulfide interfaces keep
#: most of their plastic contact; springback opens part of it (Koerver 2017 see GB/interface growth
#: after 445 -> 64 MPa relaxation).
RETENTION = 0.7
#: Exponent of ASR on contact fraction (constriction resistance; arXiv:2501.00600 reports R ~ P^-0.5).
BETA = 0.5
#: Intermixing: number of particle diameters of a fully mixed boundary (DESIGN guide: "several particle
#: diameters"; estimate) and the roughness of a pre-compacted surface in particle diameters (estimate).
N_MIX = 3.0
ROUGHNESS = 0.3
#: Intrinsic ASR of a pressed SE|SE (or composite|SE) boundary at full contact, ohm cm2. Estimate: a 10 nm
#: grain-boundary-like layer of about 1 uS/cm (LLZO GB 6 uS/cm, Eckhardt 2023) gives 0.2-1 ohm cm2.
ASR_SE_SE = 0.5
#: Reference active-material loading of the cathode ASR (Koerver 2017: 10.7 mg/cm2 NCM811).
LOADING_REF_MG_CM2 = 10.7


def contact_increment(P, P_prev_a, H_a, P_prev_b, H_b):
    """Increase of the contact integral Phi for one pressing of an interface (dimensionless)."""
    return np.maximum(P - P_prev_a, 0.0) / H_a + np.maximum(P - P_prev_b, 0.0) / H_b


def contact_fraction(Phi, P_stack=0.0, H_soft=np.inf, retention=RETENTION):
    """Contact fraction in the cell: 1 - exp(-(retention Phi + P_stack / H_soft))."""
    return -np.expm1(-(retention * np.asarray(Phi) + np.asarray(P_stack) / np.asarray(H_soft)))


def interfacial_asr(asr_intrinsic, f):
    """ASR (ohm cm2) = ASR_intrinsic / f^BETA; infinite without contact."""
    f = np.asarray(f, dtype=float)
    with np.errstate(divide="ignore"):
        return np.where(f > 0, np.asarray(asr_intrinsic) / np.maximum(f, 1e-300) ** BETA, np.inf)


def cathode_charge_transfer_asr(asr_intrinsic, loading_mg_cm2, f_internal):
    """Geometric ASR of the active-material|SE charge transfer: more active mass, more interface area."""
    return interfacial_asr(asr_intrinsic, f_internal) * LOADING_REF_MG_CM2 / np.maximum(loading_mg_cm2, 1e-9)


def intermixing_depth(P, P_prev_sub, H_sub, d_coarse_um):
    """Depth (um) of the intermixed zone for one pressing of a powder|powder interface."""
    drive = np.maximum(P - P_prev_sub, 0.0) / H_sub
    return d_coarse_um * (ROUGHNESS + N_MIX * -np.expm1(-drive))


def lithium_creep_depth(P, H_metal, d50_se_um, porosity_se):
    """Depth (um) a soft metal foil creeps into the pores of the SE it is pressed onto."""
    d_pore = d50_se_um * porosity_se / np.maximum(1.0 - porosity_se, 1e-6)
    return d_pore * np.maximum(P / H_metal - 1.0, 0.0)
