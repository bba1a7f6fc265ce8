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

Interfacial ASR: the charge (or ion) transfer happens only on the real contact area, so the transfer
resistance scales with the inverse contact fraction (arXiv:2501.00600, doi:10.48550/arXiv.2501.00600:
R ~ A_contact^-1 at electrode|Li6PS5Cl interfaces; its R ~ P^-0.5 is the *pressure* exponent of hard
electrodes, whose contact area grows as P^0.5, and belongs in the contact law, not here)::

    ASR = ASR_intrinsic / f^BETA,   BETA = 1

Metal foil (Li, In) on a solid electrolyte (``metal_contact_hardness``, ``metal_contact_fraction``,
``constriction_asr``): plastic (Bowden-Tabor) contact of a soft metal on the rough SE surface, with an
effective contact hardness far above the bulk 3 sigma_y because the contacting asperities are micrometre
sized (size-dependent strength of Li, Xu et al. 2017 PNAS 114 57) and that falls with the time the
pressure is held (power-law creep, stress exponent n = 6.6; Masias et al. 2019 doi:10.1007/s10853-018-2971-3,
LePage et al. 2019 doi:10.1149/2.0221902jes)::

    H_c(t, T) = H_ref (t / 60 s)^(-1/n) exp(Q / (n R) (1/T - 1/298 K))
    f_step   = min(1, P / H_c(t_hold, T_step))                     each pressing with the foil in the die
    f_cell   = 1 - (1 - KAPPA_METAL max_steps f_step) (1 - min(1, P_stack / H_c(T_OPERATION_S, T_op)))   (v3)

KAPPA_METAL: the share of the contact made in pressing that is kept when the pressure is lowered (the metal does
not spring back out of the valleys it filled): pressing history matters (hysteresis). v3 (issue 23): the stack
pressure closes a share of the spots the pressing left open (independent contact populations), instead of the
larger of the two winning, so a foil attached harder keeps more contact at any stack pressure and the contact
reaches 1. The ASR adds the constriction of the ion current in the SE towards the contact islands of radius a,
half the SE's particle size (the asperity scale of a cold-pressed surface; Holm; Cooper, Mikic & Yovanovich 1969
for a fraction f of spots)::

    ASR = ASR_ct / f + rho_SE pi a (1 - sqrt f)^1.5 / (4 f),   a = d50_SE / 2

Intermixing depth when the coarser particles of one side are pushed into the other side::

    delta = d_coarse * (ROUGHNESS + N_MIX * (1 - exp(-max(P - P_prev_sub, 0) / H_sub)))

A loose substrate (P_prev_sub = 0) mixes over several particle diameters; a pre-compacted flat SE
only over its roughness unless the bonding pressure exceeds its pre-compaction pressure.
Lithium creep into the SE porosity (metal foil on a porous SE, saturating with the pores' accessible depth)
is ``models.mechanics.pore_penetration_depth``.
"""
from __future__ import annotations

import numpy as np

#: Fraction of the fabricated contact kept after release. Estimate: pressed sulfide interfaces keep
#: most of their plastic contact; springback opens part of it (Koerver 2017 see GB/interface growth
#: after 445 -> 64 MPa relaxation).
RETENTION = 0.7
#: Exponent of ASR on contact fraction: R ~ A_contact^-1 (arXiv:2501.00600). Until issue 12 it was 0.5, the
#: paper's *pressure* exponent put on the contact area by mistake.
BETA = 1.0
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



# ====================================================================== metal foil contact (issue 12)
#: Hold time at which H_ref (materials.toml ``contact_hardness``) is defined, s.
METAL_T_REF_S = 60.0
#: Fraction of the contact made in pressing that is kept at a lower pressure (estimate: a soft metal that
#: filled the SE surface valleys plastically does not spring back out of them; the elastic recovery of
#: the contacting asperities, of order sigma/E ~ 1e-3 of their height, opens only the weakest spots; v2's 0.8
#: capped the contact of a foil pressed at 100 MPa at 0.8, against the near-zero interface resistance of
#: published Li|argyrodite cells with foils attached at 100 MPa or more).
KAPPA_METAL = 0.95
#: Time the cell sits at its stack pressure before it is measured, s (estimate: impedance is usually taken
#: after about an hour of rest at the operating pressure); the metal keeps creeping into the contact.
T_OPERATION_S = 3600.0
#: Radius of the contact islands of a metal foil on a pressed SE surface, um, for an SE without a particle size
#: (estimate). The kernel uses half the SE's d50: the asperity scale of a cold-pressed pellet surface made of
#: 2-10 um particles (Zhang et al. 2020 Cell Rep. Phys. Sci. 1 100012 model roughness on that scale; no measured
#: roughness of pressed argyrodite surfaces in the shared data).
ISLAND_RADIUS_UM = 1.0
R_GAS = 8.314462618


def metal_contact_hardness(H_ref, hold_s, temperature_C, n_creep, Q_eV):
    """Effective contact hardness (MPa) of a metal foil on a rough SE after holding ``hold_s`` at temperature.

    Power-law creep at constant load: an indentation (asperity) relaxes at a strain rate ~ 1/t, and the
    stress needed for a given strain rate scales as rate^(1/n) exp(Q/(n R T)); so
    H_c = H_ref (t/60 s)^(-1/n) exp(Q/(n R) (1/T - 1/T_ref)), H_ref at 60 s and 25 degC.
    Assumptions: single power law (no diffusional creep at very low stress), asperity scale fixed.
    """
    t = np.maximum(np.asarray(hold_s, dtype=float), 1e-3)
    T = np.asarray(temperature_C, dtype=float) + 273.15
    Q = np.asarray(Q_eV) * 96485.33212  # J/mol
    n = np.asarray(n_creep)
    return np.asarray(H_ref) * (t / METAL_T_REF_S) ** (-1.0 / n) * np.exp(Q / (n * R_GAS) * (1.0 / T - 1.0 / 298.15))


def metal_contact_step(P, H_c):
    """Contact fraction a foil reaches while pressed at P (MPa) with contact hardness H_c: min(1, P/H_c)."""
    return np.minimum(np.maximum(np.asarray(P, dtype=float), 0.0) / H_c, 1.0)


def metal_contact_fraction(f_pressed, P_stack, H_c_op, kappa=KAPPA_METAL):
    """Contact in the cell: 1 - (1 - kappa f_pressed)(1 - min(1, P_stack / H_c at operation))."""
    kept = kappa * np.clip(np.asarray(f_pressed, dtype=float), 0.0, 1.0)
    closed = np.clip(np.asarray(P_stack, dtype=float) / H_c_op, 0.0, 1.0)
    return 1.0 - (1.0 - kept) * (1.0 - closed)


def constriction_asr(f, sigma_se_mS_cm, island_radius_um=ISLAND_RADIUS_UM):
    """Constriction ASR (ohm cm2) of the ion current in the SE towards contact islands of radius a covering
    a fraction f: rho pi a (1 - sqrt f)^1.5 / (4 f) (Cooper-Mikic-Yovanovich). Zero at f = 1, infinite at 0."""
    f = np.clip(np.asarray(f, dtype=float), 1e-12, 1.0)
    rho = 1.0 / (np.maximum(np.asarray(sigma_se_mS_cm, dtype=float), 1e-12) * 1e-3)  # ohm cm
    return rho * np.pi * island_radius_um * 1e-4 * (1.0 - np.sqrt(f)) ** 1.5 / (4.0 * f)


# ====================================================================== bond of a powder onto a compact (issue 12)
#: Width of the weak-bond score in units of the substrate's hardness (estimate, see ``weak_bond_score``).
BOND_WIDTH = 0.1


def bond_drive(P, P_prev_a, H_a, P_prev_b, H_b):
    """Re-yield drive of the harder-pressed side of an interface pressed at P: (P - P_prev_sub) / H_sub,
    the substrate being the side pressed before to the larger pressure (negative when bonded below it)."""
    sub_a = np.asarray(P_prev_a) >= np.asarray(P_prev_b)
    P_prev = np.where(sub_a, P_prev_a, P_prev_b)
    H = np.where(sub_a, H_a, H_b)
    return (np.asarray(P) - P_prev) / H


def weak_bond_score(drive, width=BOND_WIDTH):
    """Score (0-1) of a weak cathode|separator bond from the best re-yield drive the interface saw:
    1 / (1 + exp(drive / width)).

    At a bonding pressure equal to the substrate's pre-compaction (drive 0) the substrate surface does not
    yield again: the particles interlock only over its roughness (``intermixing_depth``), adhesion relies on
    the loose side alone and the bond is weak (score 0.5, medium); below it, high; about 0.07 H_sub above it
    (30 MPa for Li6PS5Cl), low. Estimate: the differential-pressure rule of multi-step pressing (DESIGN
    guide; Koerver 2017 and Minnmann 2021 bond the cathode above the separator's pressure), with no
    measured adhesion strength to calibrate the width; a weak bond shows as delamination in use.
    """
    return 1.0 / (1.0 + np.exp(np.clip(np.asarray(drive) / width, -50.0, 50.0)))
