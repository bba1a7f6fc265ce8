"""simulate(design) -> Outcome: walk the pressing steps and predict what follows.

The physics runs in ``run_kernel`` on floats or numpy arrays of any common shape, so one call can
evaluate one design (floats) or many variants of one design (arrays; see pressbook.batch). ``simulate``
turns the kernel's numbers into an ``Outcome`` with units, reasons and sources.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from .design import Design
from .materials import Library, Material, default_library
from .models import compaction as cp
from .models import impedance as imp
from .models import interfaces as itf
from .models import mechanics as mech
from .models import transport as tr
from .outcome import (ImpedanceResult, InterfaceState, LayerState, Outcome, Risk, StepRecord)

MODEL_SOURCES = ("doux2020", "zhang2025", "koerver2017", "minnmann2021", "ohno2020")

LAYER_KEYS = ("density", "heckel_intercept", "yield_pressure", "creep_coefficient", "softening_temperature",
              "compact_modulus", "particle_size", "crumble_pressure", "crack_pressure", "ionic_conductivity",
              "activation_energy", "percolation_density", "conductivity_exponent", "relative_permittivity",
              "yield_strength", "interface_asr", "interface_capacitance",
              # optional in materials files: grain contacts under stack pressure, contact hardness, metal creep
              "contact_exponent", "contact_saturation", "residual_contact", "contact_hardness", "creep_exponent",
              "creep_activation_energy", "contact_retention", "overpress_onset", "overpress_scale")

#: Values of the optional parameters for a material that does not give them (a user's materials file):
#: the argyrodite grain-contact fit, and for foils lithium's creep law with a contact hardness scaled by the
#: foil's yield strength (Li: 25 MPa for 0.8 MPa). Estimates; see pressbook/data/materials.toml.
OPTIONAL_DEFAULTS = dict(tr.GRAIN_CONTACT_DEFAULTS, creep_exponent=6.56, creep_activation_energy=0.38)
CONTACT_HARDNESS_PER_YIELD = 25.0 / 0.8
#: Per-layer inputs of a composite's SE network (materials.Library.composite ``network``; nan without one):
#: particle sizes d50 (um) of the active material and the SE, and the conduction floor (mS/cm). Issue 23.
NETWORK_KEYS = ("cam_d50", "se_d50", "floor_conductivity")


@dataclass(frozen=True)
class Plan:
    """The structure of a design that a batch keeps fixed: layers, their kinds, and which steps add what."""

    names: tuple
    roles: tuple
    foil: tuple          # dense metal foil (no compaction)
    ionic: tuple         # conducts ions (SE or composite with SE)
    electrode: tuple     # has an electrode interface_asr (cathode active material or anode)
    cam_fraction: tuple  # mass fraction of cathode active material (0 if none)
    cam_crack: tuple     # crack pressure of the active material (MPa, nan if none)
    added: tuple         # per step: tuple of layer indices added
    in_die: tuple        # per step: (lo, hi) range in the die after adding
    top_high: tuple      # per step: True when the punch presses the high-index end
    double: bool
    # composites (issue 13): SE volume fraction of the solids (nan: no SE network)
    se_fraction: tuple = ()
    foil_diameter: tuple = ()  # mm, metal foils cut smaller than the die (nan: fills the die)


def make_plan(design: Design, mats: list[Material], library: Library | None = None) -> Plan:
    idx = {l.name: i for i, l in enumerate(design.layers)}
    added, ranges, tops = [], [], []
    in_die: set[int] = set()
    for step in design.steps:
        new = tuple(sorted(idx[n] for n in step.add))
        before = set(in_die)
        in_die |= set(new)
        lo, hi = min(in_die), max(in_die)
        # Powder is poured on top of what is in the die: the punch side is where the new layers went.
        top_high = True if not before or not new else max(new) > max(before)
        added.append(new)
        ranges.append((lo, hi))
        tops.append(top_high)
    cam_frac, cam_crack = [], []
    lib = library or default_library()  # the run's library: user materials count as cathode actives too
    for layer, m in zip(design.layers, mats):
        comp = layer.composition or {layer.material: 1.0}
        f = 0.0
        crack = math.nan
        for key, w in comp.items():
            try:
                cm = lib.get(key)
            except Exception:
                continue
            if cm.kind == "cathode_active":
                f += w
                crack = cm["crack_pressure"] if math.isnan(crack) else min(crack, cm["crack_pressure"])
        cam_frac.append(f)
        cam_crack.append(crack)
    return Plan(
        names=tuple(l.name for l in design.layers), roles=tuple(l.role for l in design.layers),
        foil=tuple(m.is_foil for m in mats), ionic=tuple(m.is_ionic for m in mats),
        electrode=tuple("interface_asr" in m.params for m in mats),
        cam_fraction=tuple(cam_frac), cam_crack=tuple(cam_crack),
        added=tuple(added), in_die=tuple(ranges), top_high=tuple(tops), double=design.die.pressing == "double",
        se_fraction=tuple(m.network["se_fraction"] if m.network else math.nan for m in mats),
        foil_diameter=tuple(l.diameter if l.diameter is not None and m.is_foil else math.nan
                            for l, m in zip(design.layers, mats)))


def make_inputs(design: Design, mats: list[Material]) -> dict:
    """Numbers of a design in default units: scalars here; a batch replaces any of them with arrays."""
    area = design.die.area_cm2
    layers = []
    for layer, m in zip(design.layers, mats):
        p = {k: m.get(k, math.nan) for k in LAYER_KEYS}
        if math.isnan(p["contact_retention"]) and not math.isnan(p["residual_contact"]):
            # a v2 materials file: the retained contact of residual pressure r P_form is r^m of the formed contact
            m_c = OPTIONAL_DEFAULTS["contact_exponent"] if math.isnan(p["contact_exponent"]) else p["contact_exponent"]
            p["contact_retention"] = p["residual_contact"] ** m_c
        for k, v in OPTIONAL_DEFAULTS.items():  # issue 12: optional parameters
            if math.isnan(p[k]):
                p[k] = v
        for k in NETWORK_KEYS:
            p[k] = m.network[k] if m.network else math.nan
        if m.is_foil and math.isnan(p["contact_hardness"]):
            p["contact_hardness"] = CONTACT_HARDNESS_PER_YIELD * p["yield_strength"]
        if layer.mass is not None:
            p["mass"] = layer.mass
            if m.is_foil and layer.diameter is not None:  # the weighed disc: its die-filling mass (same thickness)
                p["mass"] = layer.mass * (design.die.diameter / layer.diameter) ** 2
        else:  # thickness given: mass of that thickness at full density
            p["mass"] = layer.thickness * 1e-4 * area * m["density"] * 1e3
        layers.append(p)
    return {
        "diameter": design.die.diameter,
        "pressure": [s.pressure for s in design.steps],
        "hold": [s.hold for s in design.steps],
        "temperature": [s.temperature for s in design.steps],
        "stack_pressure": design.operation.stack_pressure,
        "op_temperature": design.operation.temperature,
        "layers": layers,
        "mu": cp.FRICTION["mu"], "K": cp.FRICTION["K"],
        "clearance": mech.CLEARANCE_UM if design.die.clearance is None else design.die.clearance,
    }


def _hardness(plan, lay, i, T):
    if plan.foil[i]:
        return 3.0 * lay[i]["yield_strength"]
    # ---- issue 13: contact hardness is the particle hardness (material parameter contact_hardness, default the
    # Heckel yield pressure), no longer the bulk Heckel P_y; softened with temperature like P_y.
    H = lay[i]["contact_hardness"]
    if np.ndim(H) == 0 and math.isnan(H):  # no particle hardness given: the Heckel yield pressure (as before)
        H = lay[i]["yield_pressure"]
    return cp.yield_pressure_at(H, lay[i]["softening_temperature"], T)


def run_kernel(plan: Plan, x: dict, *, record_history: bool = True) -> dict:
    """The physics of a whole protocol. Works on floats or broadcastable numpy arrays.

    ``record_history=False`` skips the per-step records (batches need only the final state).
    """
    lay = x["layers"]
    n = len(plan.names)
    D_die = x["diameter"]
    area = math.pi * (D_die / 20.0) ** 2 if np.ndim(D_die) == 0 else np.pi * (np.asarray(D_die) / 20.0) ** 2
    zero = 0.0 * x["pressure"][0]
    y = [zero - np.inf for _ in range(n)]
    Pmax = [zero for _ in range(n)]
    # thickness before pressing: loose powder at its fill density, foil dense
    D0 = [zero + 1.0 if plan.foil[i] else cp.density_from_y(lay[i]["heckel_intercept"]) for i in range(n)]
    thick = [cp.thickness_um(lay[i]["mass"], lay[i]["density"], area, D0[i]) for i in range(n)]
    n_if = n - 1
    Phi = [zero for _ in range(n_if)]
    into = [[zero, zero] for _ in range(n_if)]  # intermixed depth into the lower / upper layer, um
    formed = [-1] * n_if
    # issue 12: room-temperature-equivalent forming pressure of each layer, metal-foil contact reached in
    # pressing, and the best re-yield drive of each powder|powder interface (bond quality)
    Pform = [zero for _ in range(n)]
    Tform = [zero + cp.T_REF_C for _ in range(n)]  # issue 23: the hottest pressing of each layer (degC)
    f_metal = [zero for _ in range(n_if)]
    bond = [zero - np.inf for _ in range(n_if)]
    bond_dP = [zero - np.inf for _ in range(n_if)]  # MPa, the same as a pressure difference (reported)
    history = []
    # ---- issue 13: metal foils in the die: confined (filling the die or spread to the wall) and the creep dose
    confined = [zero == 0 if math.isnan(plan.foil_diameter[i]) else zero != 0 for i in range(n)]
    ext_dose = [zero for _ in range(n)]
    for k, (lo, hi) in enumerate(plan.in_die):
        P_app, hold, T = x["pressure"][k], x["hold"][k], x["temperature"][k]
        order = list(range(hi, lo - 1, -1)) if plan.top_high[k] else list(range(lo, hi + 1))
        for _ in range(2):  # thickness depends on pressure through friction: one fixed-point refinement
            depth = {}
            cum = zero
            for i in order:
                depth[i] = cum + thick[i] * 5e-4  # mm to the layer's middle
                cum = cum + thick[i] * 1e-3
            P_loc, y_new, Pmax_new, D_load, t_load = {}, {}, {}, {}, {}
            for i in order:
                z = np.minimum(depth[i], cum - depth[i]) if plan.double else depth[i]
                P_loc[i] = P_app * cp.friction_factor(z, D_die, x["mu"], x["K"])
                if plan.foil[i]:
                    y_new[i], Pmax_new[i], D_load[i] = y[i], np.maximum(Pmax[i], P_loc[i]), zero + 1.0
                else:
                    p = lay[i]
                    y_new[i], Pmax_new[i] = cp.press(y[i], Pmax[i], P_loc[i], p["heckel_intercept"], p["yield_pressure"],
                                                     p["creep_coefficient"], hold, p["softening_temperature"], T)
                    D_load[i] = cp.density_at(y_new[i], Pmax_new[i], p["compact_modulus"], P_loc[i])
                t_load[i] = cp.thickness_um(lay[i]["mass"], lay[i]["density"], area, D_load[i])
            thick = [t_load.get(i, thick[i]) for i in range(n)]
        # interfaces pressed in this step (state of each side before the step: Pmax, not Pmax_new)
        for j in range(lo, hi):
            a, b = j, j + 1
            P_int = 0.5 * (P_loc[a] + P_loc[b])
            Ha, Hb = _hardness(plan, lay, a, T), _hardness(plan, lay, b, T)
            Phi[j] = Phi[j] + itf.contact_increment(P_int, Pmax[a], Ha, Pmax[b], Hb)
            if formed[j] < 0:
                formed[j] = k
            if not plan.foil[a] and not plan.foil[b]:  # particles of each side pushed into the other
                into[j][0] = np.maximum(into[j][0], itf.intermixing_depth(P_int, Pmax[a], Ha, lay[b]["particle_size"]))
                into[j][1] = np.maximum(into[j][1], itf.intermixing_depth(P_int, Pmax[b], Hb, lay[a]["particle_size"]))
            elif plan.foil[a] != plan.foil[b]:  # a soft metal creeps into the pores of an SE
                metal, other, side = (a, b, 1) if plan.foil[a] else (b, a, 0)
                if plan.ionic[other]:  # issue 13: saturating with the accessible pore depth
                    into[j][side] = np.maximum(into[j][side], mech.pore_penetration_depth(
                        P_int, Ha if metal == a else Hb, lay[other]["particle_size"], 1.0 - D_load[other]))
            # --- issue 12: metal foil contact (creep-softened contact hardness) and powder bond drive
            if plan.foil[a] != plan.foil[b]:
                metal = a if plan.foil[a] else b
                if plan.ionic[b if metal == a else a]:
                    pm = lay[metal]
                    H_c = itf.metal_contact_hardness(pm["contact_hardness"], hold, T, pm["creep_exponent"],
                                                     pm["creep_activation_energy"])
                    f_metal[j] = np.maximum(f_metal[j], itf.metal_contact_step(P_int, H_c))
            elif not plan.foil[a]:
                bond[j] = np.maximum(bond[j], itf.bond_drive(P_int, Pmax[a], Ha, Pmax[b], Hb))
                bond_dP[j] = np.maximum(bond_dP[j], P_int - np.maximum(Pmax[a], Pmax[b]))
        # --- issue 12: room-temperature-equivalent forming pressure (grain contacts)
        for i in order:
            if not plan.foil[i]:
                Pform[i] = np.maximum(Pform[i], tr.forming_equivalent_pressure(P_loc[i], T, lay[i]["softening_temperature"]))
                Tform[i] = np.maximum(Tform[i], T)
        for i in order:
            y[i], Pmax[i] = y_new[i], Pmax_new[i]
        # ---- issue 13: a foil smaller than the die spreads to the wall above p_spread, then creeps into the clearance
        for i in order:
            if plan.foil[i]:
                if not math.isnan(plan.foil_diameter[i]):
                    p_spread = mech.extrusion_flow_pressure(lay[i]["yield_strength"], 0.5 * plan.foil_diameter[i],
                                                            thick[i])
                    confined[i] = confined[i] | (P_loc[i] >= p_spread)
                ext_dose[i] = ext_dose[i] + np.where(confined[i], mech.creep_dose(P_loc[i], hold), 0.0)
        if not record_history:
            continue
        D_rel = [zero + 1.0 if plan.foil[i] else cp.density_at(y[i], Pmax[i], lay[i]["compact_modulus"], 0.0)
                 for i in range(n)]
        history.append({
            "pressure_local": [P_loc.get(i, math.nan) for i in range(n)],
            "density_under_load": [D_load.get(i, math.nan) for i in range(n)],
            "density_released": [D_rel[i] if lo <= i <= hi else math.nan for i in range(n)],
            "thickness_under_load": [t_load.get(i, math.nan) for i in range(n)],
            "thickness_released": [cp.thickness_um(lay[i]["mass"], lay[i]["density"], area, D_rel[i]) if lo <= i <= hi
                                   else math.nan for i in range(n)],
            "contact": [(math.nan if formed[j] < 0 else f_metal[j] if _metal_if(plan, j) else -np.expm1(-Phi[j]))
                        for j in range(n_if)],
            "intermixing": [(into[j][0] + into[j][1] if formed[j] >= 0 else math.nan) for j in range(n_if)],
            "in_die": (lo, hi),
        })

    # ------------------------------------------------------------- in the cell (operation)
    Ps, Top = x["stack_pressure"], x["op_temperature"]
    D_op, t_op, sigma = [], [], []
    k_eff = [tr.sintered_retention(lay[i]["contact_retention"], Tform[i], lay[i]["softening_temperature"])
             for i in range(n)]
    g_c = [tr.grain_contact_factor(Ps, Pform[i], lay[i]["contact_exponent"], lay[i]["contact_saturation"],
                                   k_eff[i]) if plan.ionic[i] else zero + math.nan for i in range(n)]
    for i in range(n):
        p = lay[i]
        if plan.foil[i]:
            D_op.append(zero + 1.0)
        else:
            D_op.append(cp.density_at(y[i], Pmax[i], p["compact_modulus"], Ps))
        t_op.append(cp.thickness_um(p["mass"], p["density"], area, D_op[i]))
        if plan.ionic[i]:
            # an SE, or a composite's SE network (issue 13: percolation of the SE fraction, on the conductivity of
            # its SE in the composite, plan.se_fraction nan for a pure SE), under the stack pressure (issue 12:
            # density law times the grain-contact factor of the forming and stack pressures)
            sigma_ref = p["ionic_conductivity"]
            if not math.isnan(plan.se_fraction[i]):
                sigma_ref = tr.composite_conductivity(sigma_ref, plan.se_fraction[i], p["cam_d50"] / p["se_d50"],
                                                      p["floor_conductivity"])
            sigma.append(tr.se_conductivity(sigma_ref, D_op[i], Ps, Pform[i], p["percolation_density"],
                                            p["conductivity_exponent"], p["contact_exponent"], p["contact_saturation"],
                                            k_eff[i], p["activation_energy"], Top, p["overpress_onset"],
                                            p["overpress_scale"]))
        else:
            sigma.append(zero + math.nan)
    H_op = [_hardness(plan, lay, i, 25.0) for i in range(n)]
    f_cell, asr_if, kind_if = [], [], []
    for j in range(n_if):
        a, b = j, j + 1
        anode_side = _anode_side(plan, a, b)
        if _metal_if(plan, j):  # issue 12: metal foil on an SE: creep contact with hysteresis + constriction
            metal, other = (a, b) if plan.foil[a] else (b, a)
            pm = lay[metal]
            H_c_op = itf.metal_contact_hardness(pm["contact_hardness"], itf.T_OPERATION_S, Top, pm["creep_exponent"],
                                                pm["creep_activation_energy"])
            f = itf.metal_contact_fraction(f_metal[j], Ps, H_c_op)
            f_cell.append(f)
            kind_if.append("electrode" if anode_side is not None else "contact")
            asr0 = pm["interface_asr"] if anode_side is not None else itf.ASR_SE_SE
            a_isl = 0.5 * lay[other]["particle_size"]  # issue 23: islands on the SE's surface roughness
            asr_if.append(itf.interfacial_asr(asr0, f) + itf.constriction_asr(f, sigma[other], a_isl))
            continue
        f = itf.contact_fraction(Phi[j], Ps, np.minimum(H_op[a], H_op[b]))
        f_cell.append(f)
        if anode_side is not None:
            kind_if.append("electrode")
            asr_if.append(itf.interfacial_asr(lay[anode_side]["interface_asr"], f))
        else:
            kind_if.append("contact")
            asr_if.append(itf.interfacial_asr(itf.ASR_SE_SE, f))

    # ------------------------------------------------------------- impedance
    R0 = zero
    arcs = []  # (label, R ohm, C farad)
    R_layer = []
    for i in range(n):
        if plan.ionic[i] and plan.cam_fraction[i] > 0:  # composite cathode
            R_ion = tr.layer_resistance_ohm(t_op[i], sigma[i], area)
            R_layer.append(R_ion / 3.0)
            loading = lay[i]["mass"] * plan.cam_fraction[i] / area
            f_int = itf.contact_fraction(Pmax[i] / lay[i]["yield_pressure"], Ps, lay[i]["yield_pressure"])
            asr_ct = itf.cathode_charge_transfer_asr(lay[i]["interface_asr"], loading, f_int)
            # issue 12: double-layer capacitance on the real active-material|SE contact area (C_dl ~ f)
            C = lay[i]["interface_capacitance"] * 1e-6 * area * loading / itf.LOADING_REF_MG_CM2 * f_int
            arcs.append((plan.names[i], asr_ct / area, C))
        elif plan.ionic[i]:
            R_layer.append(tr.layer_resistance_ohm(t_op[i], sigma[i], area))
        else:
            R_layer.append(zero)
        R0 = R0 + R_layer[i]
    for j in range(n_if):
        if kind_if[j] == "contact":
            R0 = R0 + asr_if[j] / area
        else:
            side = _anode_side(plan, j, j + 1)
            C = lay[side]["interface_capacitance"] * 1e-6 * area * f_cell[j]  # issue 12: C_dl ~ real contact
            arcs.append((f"{plan.names[j]}|{plan.names[j + 1]}", asr_if[j] / area, C))
    ends_blocking = int(not plan.electrode[0]) + int(not plan.electrode[-1]) if n > 1 else 2
    if n == 1 and plan.electrode[0]:
        ends_blocking = 2
    R_total = R0 + sum((R for _, R, _ in arcs), zero)
    return {
        "n": n, "area": area, "history": history, "y": y, "Pmax": Pmax, "D_op": D_op, "thickness": t_op,
        "sigma": sigma, "Phi": Phi, "contact": f_cell, "asr_interface": asr_if, "interface_kind": kind_if,
        "intermixing": [a + b for a, b in into], "into": into, "formed": formed, "R0": R0, "R_layer": R_layer, "arcs": arcs,
        "blocking_ends": ends_blocking, "R_total": R_total, "ASR_total": R_total * area,
        "risks": _risk_scores(plan, x, lay, area, Pmax, D_op, t_op, into, bond, bond_dP, confined, ext_dose),
        "bond_drive": bond, "bond_differential": bond_dP, "forming_equivalent": Pform, "grain_contact": g_c,
    }


def _bond_differential(plan, x, r, j):
    """MPa: best (bonding pressure - the larger earlier pressure of the two sides) of a powder|powder interface."""
    d = float(r["bond_differential"][j])
    return d if math.isfinite(d) else None


def _metal_if(plan, j):
    """True for a metal foil against an ion conductor (issue 12 contact model)."""
    a, b = j, j + 1
    return plan.foil[a] != plan.foil[b] and plan.ionic[b if plan.foil[a] else a]


def _anode_side(plan, a, b):
    """Index of the side that brings an electrode interface (anode metal or alloy against an SE), else None."""
    for s, o in ((a, b), (b, a)):
        if plan.electrode[s] and plan.cam_fraction[s] == 0 and plan.ionic[o]:
            return s
    return None


def _risk_scores(plan, x, lay, area, Pmax, D_op, t_op, into, bond=None, bond_dP=None, confined=None, ext_dose=None):
    """Each risk: (name, subject, score, details dict) with float or array values."""
    out = []
    n = len(plan.names)
    for i in range(n):
        p = lay[i]
        if not plan.foil[i]:
            out.append(("under-pressing", plan.names[i], mech.crumbling_score(Pmax[i], p["crumble_pressure"]),
                        {"P_max": Pmax[i], "threshold": p["crumble_pressure"], "porosity": 1 - D_op[i]}))
        if plan.ionic[i] and plan.cam_fraction[i] == 0:
            out.append(("SE cracking", plan.names[i], mech.se_cracking_score(Pmax[i], p["crack_pressure"]),
                        {"P_max": Pmax[i], "threshold": p["crack_pressure"]}))
            if math.isnan(plan.se_fraction[i]):  # issue 23: an SE layer below its percolation density
                out.append(("no continuous ion path", plan.names[i],
                            tr.density_path_score(D_op[i], p["percolation_density"]),
                            {"density": D_op[i], "percolation": p["percolation_density"]}))
        if plan.cam_fraction[i] > 0:
            out.append(("cathode particle cracking", plan.names[i],
                        mech.particle_cracking_score(Pmax[i], plan.cam_crack[i]),
                        {"P_max": Pmax[i], "threshold": plan.cam_crack[i]}))
        if not math.isnan(plan.se_fraction[i]):  # issue 23: a composite's SE network below its threshold
            lam = p["cam_d50"] / p["se_d50"]
            out.append(("no continuous ion path", plan.names[i], tr.ion_path_score(plan.se_fraction[i], lam),
                        {"v_se": plan.se_fraction[i], "threshold": tr.percolation_threshold(lam), "size_ratio": lam}))
        if plan.foil[i]:
            neighbours = [j for j in (i - 1, i + 1) if 0 <= j < n and plan.ionic[j]]
            phi = functools.reduce(np.maximum, [1 - D_op[j] for j in neighbours]) if neighbours else mech.LI_REF_POROSITY
            # issue 13: creep into the punch-die clearance of a confined foil (a smaller foil spreads first)
            R = x["diameter"] / 2.0
            h = t_op[i]
            if not math.isnan(plan.foil_diameter[i]):
                a_f = np.minimum(0.5 * plan.foil_diameter[i], R)
                p_spread = mech.extrusion_flow_pressure(p["yield_strength"], a_f, h)
                h = np.where(confined[i], h * (a_f / R) ** 2, h)
            else:
                p_spread = 0.0 * Pmax[i]
            thin = np.where(confined[i], mech.extrusion_thinning(ext_dose[i], p["yield_strength"], x["clearance"], R, h),
                            0.0)
            p_on = np.where(confined[i], np.maximum(mech.extrusion_onset_pressure(Pmax[i], thin), p_spread), p_spread)
            out.append(("metal extrusion", plan.names[i], mech.extrusion_score(thin),
                        {"P_max": Pmax[i], "threshold": p_on, "thinning": thin, "clearance": x["clearance"],
                         "confined": confined[i], "spread": p_spread}))
            if neighbours:
                score, op, fab = mech.lithium_creep_score(x["stack_pressure"], Pmax[i], phi)
                lithium_like = p["yield_strength"] < 1.5  # creeps at room temperature
                if np.ndim(lithium_like):  # a batch varying the yield strength lists the risk: 0 where not lithium-like
                    score = np.where(lithium_like, score, 0.0)
                if np.ndim(lithium_like) or lithium_like:
                    out.append(("lithium creep short", plan.names[i], score,
                                {"P_max": Pmax[i], "P_stack": x["stack_pressure"], "porosity": phi,
                                 "op": op, "fab": fab}))
    seps = [i for i in range(n) if plan.roles[i] == "separator"]
    for s in seps:
        parts = ([into[s - 1][1]] if s > 0 else []) + ([into[s][0]] if s < n - 1 else [])
        if parts:
            depth = sum(parts[1:], parts[0])
            out.append(("intermixing short", plan.names[s], mech.intermixing_short_score(depth, t_op[s]),
                        {"depth": depth, "separator": t_op[s]}))
    electrodes = [i for i in range(n) if plan.roles[i] in ("cathode", "anode")]
    if any(plan.roles[i] == "cathode" for i in electrodes) and any(plan.roles[i] == "anode" for i in electrodes):
        for j in range(n - 1):
            if {plan.roles[j], plan.roles[j + 1]} == {"cathode", "anode"}:
                out.append(("no separator", f"{plan.names[j]}|{plan.names[j + 1]}", 1.0 + 0.0 * Pmax[j], {}))
    for j in range(n - 1):
        a, b = j, j + 1
        if plan.foil[a] or plan.foil[b]:
            continue
        ea = cp.springback_strain(Pmax[a], lay[a]["compact_modulus"])
        eb = cp.springback_strain(Pmax[b], lay[b]["compact_modulus"])
        out.append(("delamination", f"{plan.names[a]}|{plan.names[b]}", mech.delamination_score(ea, eb),
                    {"strain_a": ea, "strain_b": eb}))
    # --- issue 12: weak bond of a cathode composite onto a compacted SE (differential pressure)
    for j in range(n - 1):
        a, b = j, j + 1
        if bond is None or plan.foil[a] or plan.foil[b]:
            continue
        cath = [s for s in (a, b) if plan.cam_fraction[s] > 0]
        se = [s for s in (a, b) if plan.ionic[s] and plan.cam_fraction[s] == 0]
        if cath and se:
            out.append(("weak cathode bond", f"{plan.names[a]}|{plan.names[b]}", itf.weak_bond_score(bond[j]),
                        {"drive": bond[j], "dP": bond_dP[j], "P_cathode": Pmax[cath[0]], "P_se": Pmax[se[0]]}))
    return out


# ============================================================== Outcome assembly
RISK_SOURCES = {
    "under-pressing": "estimate (DESIGN guide: about 40 MPa)",
    "SE cracking": "estimate (Yan 2026 via secondary summary: fracture at 750 MPa)",
    "cathode particle cracking": "zhang2025 (doi:10.1002/adma.202413499)",
    "metal extrusion": "power-law creep into the punch-die clearance (Li n = 6.6, Masias 2019 / LePage 2019; "
                       "darnbrough2024 rate) after friction-hill spreading; score thresholds estimates",
    "lithium creep short": "doux2020 (doi:10.1002/aenm.201903253)",
    "intermixing short": "estimate (intermixed depth relative to separator thickness)",
    "delamination": "estimate (springback mismatch, Miss 2026 compact moduli; onset at the 500 MPa end of the usual bonding range, high near Yan 2026's 625 MPa)",
    "no separator": "definition: cathode touching anode",
    "no continuous ion path": "percolation threshold of the SE network vs d_CAM/d_SE (estimate, Bielefeld 2019 "
                              "doi:10.1021/acs.jpcc.8b11043 anchor); below it the active particles' own conduction",
    "weak cathode bond": "estimate (differential-pressure rule of multi-step pressing; no adhesion measurement to "
                         "calibrate the width)",
}


def _reason(name, subject, score, d) -> tuple[str, str]:
    """Words for a risk, and its threshold as text."""
    f = float
    if name == "under-pressing":
        return (f"{subject} saw at most {f(d['P_max']):.0f} MPa; below about {f(d['threshold']):.0f} MPa a compact has "
                f"little green strength (porosity now {100 * f(d['porosity']):.0f} %)", f"{f(d['threshold']):.0f} MPa")
    if name == "SE cracking":
        return (f"{subject} saw {f(d['P_max']):.0f} MPa; brittle SE pellets crack near {f(d['threshold']):.0f} MPa "
                f"(risk starts at 80 % of it)", f"{f(d['threshold']):.0f} MPa")
    if name == "cathode particle cracking":
        return (f"{subject} saw {f(d['P_max']):.0f} MPa; polycrystalline active particles crack from about "
                f"{f(d['threshold']):.0f} MPa", f"{f(d['threshold']):.0f} MPa")
    if name == "metal extrusion":
        if not bool(d["confined"]):
            return (f"{subject} was pressed at {f(d['P_max']):.1f} MPa, below the {f(d['spread']):.1f} MPa at which a "
                    f"foil this size spreads to the die wall: no metal reaches the clearance", f"{f(d['threshold']):.1f} MPa")
        return (f"{subject} was pressed at {f(d['P_max']):.1f} MPa: it creeps into the {f(d['clearance']):.0f} um "
                f"punch-die clearance and loses {100 * f(d['thinning']):.2f} % of its thickness there (risk from 0.5 %, "
                f"reached at about {f(d['threshold']):.1f} MPa with these holds)", f"{f(d['threshold']):.1f} MPa")
    if name == "lithium creep short":
        why = "pressing" if f(d["fab"]) >= f(d["op"]) else "stack pressure in use"
        return (f"lithium creeps into the SE pores ({100 * f(d['porosity']):.0f} % porosity): pressed at "
                f"{f(d['P_max']):.1f} MPa, held at {f(d['P_stack']):.1f} MPa in use; the larger contribution is {why}. "
                f"Doux 2020: no short at 5 MPa, short within 48 h at 25 MPa, at once when pressed at 75 MPa",
                "5 / 25 / 75 MPa")
    if name == "intermixing short":
        return (f"intermixed zones reach {f(d['depth']):.1f} um into the {f(d['separator']):.0f} um separator "
                f"({100 * f(d['depth']) / max(f(d['separator']), 1e-9):.1f} %)", "15 % of the separator")
    if name == "delamination":
        return (f"springback {100 * f(d['strain_a']):.1f} % vs {100 * f(d['strain_b']):.1f} % on release: the mismatch "
                f"loads the interface", "4.5 % mismatch")
    if name == "no continuous ion path" and "density" in d:
        D, D_c = f(d["density"]), f(d["percolation"])
        head = f"{subject} is at {100 * D:.1f} % of full density in the cell"
        if D <= D_c:
            return (head + f", below its percolation density {100 * D_c:.1f} %: its grains do not form a continuous "
                    "ion path, so it conducts at its floor (a very large but finite resistance); press it harder",
                    f"{100 * D_c:.1f} % density")
        return (head + f", above its percolation density {100 * D_c:.1f} %", f"{100 * D_c:.1f} % density")
    if name == "no continuous ion path":
        v, v_c, lam = 100 * f(d["v_se"]), 100 * f(d["threshold"]), f(d["size_ratio"])
        where = "below" if v < v_c else "just above" if score > 0 else "above"
        head = (f"the SE is {v:.1f} vol% of the solids of {subject}, {where} the percolation threshold {v_c:.1f} vol% "
                f"for d_CAM/d_SE = {lam:.2g}")
        if v < v_c:
            return (head + ": no continuous ion path; ions cross only through the active particles and isolated SE "
                    "clusters, so the layer conducts at its floor (a very large but finite resistance)",
                    f"{v_c:.1f} vol%")
        if score > 0:
            return (head + ": the SE network barely percolates and one lost contact can break it", f"{v_c:.1f} vol%")
        return (head + ": the SE network is continuous", f"{v_c:.1f} vol%")
    if name == "no separator":
        return ("the cathode touches the anode: a short circuit", "any contact")
    if name == "weak cathode bond":
        dP = f(d["dP"])
        how = "above" if dP > 5.0 else "at about" if dP > -5.0 else "below"
        head = (f"the cathode was bonded {how} the largest pressure either side had seen before (best differential "
                f"{dP:+.0f} MPa): ")
        if score < 0.33:
            return (head + "both surfaces yield into each other and the particles interlock; the bond is sound",
                    "bonding above the pre-compaction pressure")
        return (head + f"the pre-compacted surface {'yields again only a little' if dP > 5.0 else 'does not yield again'}, "
                f"so the particles interlock only over its roughness: a weak bond adheres poorly and can delaminate "
                f"in use", "bonding above the pre-compaction pressure")
    return (name, "")


def simulate(design: Design, library: Library | None = None, *, validate: bool = True) -> Outcome:
    """Predict porosity, conductivity, contact, intermixing, risks and impedance of a design."""
    lib = library or default_library()
    if validate:
        design.validate(lib)
    mats = [lib.for_layer(l) for l in design.layers]
    plan = make_plan(design, mats, lib)
    x = make_inputs(design, mats)
    r = run_kernel(plan, x)
    return _assemble(design, mats, plan, x, r, lib)


def _assemble(design, mats, plan, x, r, lib) -> Outcome:
    n = r["n"]
    layers = []
    for i, l in enumerate(design.layers):
        D = float(r["D_op"][i])
        layers.append(LayerState(
            name=l.name, role=l.role, material=mats[i].id, relative_density=D, porosity=1.0 - D,
            thickness=float(r["thickness"][i]),
            density_under_load=float(cp.density_from_y(r["y"][i])) if not plan.foil[i] else 1.0,
            ejected_density=float(cp.ejected_density(r["y"][i], r["Pmax"][i], x["layers"][i]["compact_modulus"],
                                                     x["layers"][i]["yield_pressure"]))
            if not plan.foil[i] else 1.0,
            max_pressure=float(r["Pmax"][i]),
            ionic_conductivity=None if not plan.ionic[i] else float(r["sigma"][i]),
            resistance=float(r["R_layer"][i]),
            grain_contact=None if not plan.ionic[i] else float(r["grain_contact"][i])))
    interfaces = []
    for j in range(n - 1):
        interfaces.append(InterfaceState(
            name=f"{plan.names[j]}|{plan.names[j + 1]}", lower=plan.names[j], upper=plan.names[j + 1],
            kind=r["interface_kind"][j], contact_fraction=float(r["contact"][j]), asr=float(r["asr_interface"][j]),
            intermixing_depth=float(r["intermixing"][j]), formed_in_step=r["formed"][j] + 1,
            intermixing_lower=float(r["into"][j][0]), intermixing_upper=float(r["into"][j][1]),
            bond_differential=_bond_differential(plan, x, r, j)))
    risks = []
    for name, subject, score, d in r["risks"]:
        s = float(score)
        reason, threshold = _reason(name, subject, s, d)
        risks.append(Risk(name=name, subject=subject, score=s, level=mech.level(s), reason=reason,
                          threshold=threshold, source=RISK_SOURCES.get(name, "")))
    risks.sort(key=lambda k: -k.score)
    history = []
    for k, (h, step) in enumerate(zip(r["history"], design.steps)):
        history.append(StepRecord(
            index=k + 1, add=list(step.add), pressure=step.pressure, hold=step.hold, temperature=step.temperature,
            in_die=[plan.names[i] for i in range(h["in_die"][0], h["in_die"][1] + 1)],
            local_pressure=_named(plan.names, h["pressure_local"]),
            density_under_load=_named(plan.names, h["density_under_load"]),
            density_released=_named(plan.names, h["density_released"]),
            thickness_under_load=_named(plan.names, h["thickness_under_load"]),
            thickness_released=_named(plan.names, h["thickness_released"]),
            contact_fraction=_named([f"{plan.names[j]}|{plan.names[j + 1]}" for j in range(n - 1)], h["contact"]),
            intermixing_depth=_named([f"{plan.names[j]}|{plan.names[j + 1]}" for j in range(n - 1)], h["intermixing"])))
    area = float(r["area"])
    arcs = [(label, float(R), float(C)) for label, R, C in r["arcs"]]
    blocking_Q = imp.BLOCKING_C_UF_CM2 * 1e-6 * area / r["blocking_ends"] if r["blocking_ends"] else None
    arc_params = [(R, imp.capacitance_to_Q(C, R), imp.ALPHA) for _, R, C in arcs]
    Z = imp.spectrum(float(r["R0"]), arc_params, blocking_Q)
    params = [float(r["R0"])]
    for R, Q, a in arc_params:
        params += [R, Q, a]
    if blocking_Q is not None:
        params += [blocking_Q, imp.ALPHA]
    impedance = ImpedanceResult(
        circuit=imp.circuit_string(len(arcs), blocking_Q is not None), parameters=params,
        elements=[("R0", "separator + cathode ionic/3 + contacts", float(r["R0"]))] +
                 [(f"R{k + 1}", label, R) for k, (label, R, _) in enumerate(arcs)],
        frequencies=imp.FREQUENCIES_HZ.copy(), z_real=Z.real.copy(), z_imag=Z.imag.copy(),
        total_resistance=float(r["R_total"]), total_asr=float(r["ASR_total"]), area=area,
        blocking=blocking_Q is not None)
    used = set(MODEL_SOURCES)
    for m in mats:
        used |= m.sources()
        for c in m.components:
            used |= lib.get(c).sources()
    sources = [{"key": k, **lib.sources[k]} for k in sorted(used) if k in lib.sources]
    return Outcome(design=design, layers=layers, interfaces=interfaces, risks=risks, impedance=impedance,
                   history=history, sources=sources)


def _named(names, values):
    out = {}
    for nm, v in zip(names, values):
        v = None if v is None else float(v)
        out[nm] = None if v is None or math.isnan(v) else v
    return out
