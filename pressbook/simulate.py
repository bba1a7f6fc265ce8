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


class _State:
    """What the pressing steps leave behind, per layer (i) and per interface (j = between layers j and j + 1)."""

    def __init__(self, plan: Plan, x: dict):
        lay, n = x["layers"], len(plan.names)
        D_die = x["diameter"]
        self.lay, self.n, self.n_if = lay, n, n - 1
        self.area = math.pi * (D_die / 20.0) ** 2 if np.ndim(D_die) == 0 else np.pi * (np.asarray(D_die) / 20.0) ** 2
        zero = self.zero = 0.0 * x["pressure"][0]
        self.y = [zero - np.inf for _ in range(n)]       # Heckel state ln(1/(1-D)) under load
        self.Pmax = [zero for _ in range(n)]             # largest local pressure, MPa (pressure memory)
        # thickness before pressing: loose powder at its fill density, foil dense
        D0 = [zero + 1.0 if plan.foil[i] else cp.density_from_y(lay[i]["heckel_intercept"]) for i in range(n)]
        self.thick = [cp.thickness_um(lay[i]["mass"], lay[i]["density"], self.area, D0[i]) for i in range(n)]
        self.Phi = [zero for _ in range(n - 1)]          # contact integral of each interface
        self.into = [[zero, zero] for _ in range(n - 1)]  # intermixed depth into the lower / upper layer, um
        self.formed = [-1] * (n - 1)                     # step that formed each interface
        self.Pform = [zero for _ in range(n)]            # room-temperature-equivalent forming pressure, MPa
        self.Tform = [zero + cp.T_REF_C for _ in range(n)]  # the hottest pressing of each layer, degC
        self.f_metal = [zero for _ in range(n - 1)]      # metal-foil contact reached in pressing
        self.bond = [zero - np.inf for _ in range(n - 1)]     # best re-yield drive of a powder|powder interface
        self.bond_dP = [zero - np.inf for _ in range(n - 1)]  # the same as a pressure difference, MPa
        # metal foils: confined (filling the die or spread to the wall) and their creep dose into the clearance
        self.confined = [zero == 0 if math.isnan(plan.foil_diameter[i]) else zero != 0 for i in range(n)]
        self.ext_dose = [zero for _ in range(n)]
        self.history = []


def run_kernel(plan: Plan, x: dict, *, record_history: bool = True) -> dict:
    """The physics of a whole protocol, as the named stages of the README's models table. Works on floats or
    broadcastable numpy arrays (pressbook.batch runs the same stages on arrays of variants).

    ``record_history=False`` skips the per-step records (batches need only the final state).
    """
    s = _State(plan, x)
    for k in range(len(plan.in_die)):
        P_loc, D_load, t_load, y_new, Pmax_new = compaction_stage(plan, x, s, k)
        pressing_contact_stage(plan, x, s, k, P_loc, D_load)
        _remember_step(plan, x, s, k, P_loc, y_new, Pmax_new)
        if record_history:
            _record_step(plan, s, k, P_loc, D_load, t_load)
    cell = transport_stage(plan, x, s)
    contact = cell_contact_stage(plan, x, s, cell)
    imp = impedance_stage(plan, x, s, cell, contact)
    risks = _risk_scores(plan, x, s.lay, s.area, s.Pmax, cell["D_op"], cell["thickness"], s.into, s.bond, s.bond_dP,
                         s.confined, s.ext_dose)
    return {
        "n": s.n, "area": s.area, "history": s.history, "y": s.y, "Pmax": s.Pmax, "Phi": s.Phi, "into": s.into,
        "intermixing": [a + b for a, b in s.into], "formed": s.formed, "bond_drive": s.bond,
        "bond_differential": s.bond_dP, "forming_equivalent": s.Pform, **cell, **contact, **imp, "risks": risks,
    }


def compaction_stage(plan: Plan, x: dict, s: _State, k: int):
    """Step k through the stack: die-wall friction (Janssen-Walker) sets each layer's local pressure, Heckel its
    density (pressure memory, hold creep, warm pressing). Thickness depends on pressure through friction: one
    fixed-point refinement."""
    lo, hi = plan.in_die[k]
    P_app, hold, T = x["pressure"][k], x["hold"][k], x["temperature"][k]
    lay, zero = s.lay, s.zero
    order = list(range(hi, lo - 1, -1)) if plan.top_high[k] else list(range(lo, hi + 1))
    for _ in range(2):
        depth, cum = {}, zero
        for i in order:
            depth[i] = cum + s.thick[i] * 5e-4  # mm to the layer's middle
            cum = cum + s.thick[i] * 1e-3
        P_loc, y_new, Pmax_new, D_load, t_load = {}, {}, {}, {}, {}
        for i in order:
            z = np.minimum(depth[i], cum - depth[i]) if plan.double else depth[i]
            P_loc[i] = P_app * cp.friction_factor(z, x["diameter"], x["mu"], x["K"])
            if plan.foil[i]:
                y_new[i], Pmax_new[i], D_load[i] = s.y[i], np.maximum(s.Pmax[i], P_loc[i]), zero + 1.0
            else:
                p = lay[i]
                y_new[i], Pmax_new[i] = cp.press(s.y[i], s.Pmax[i], P_loc[i], p["heckel_intercept"], p["yield_pressure"],
                                                 p["creep_coefficient"], hold, p["softening_temperature"], T)
                D_load[i] = cp.density_at(y_new[i], Pmax_new[i], p["compact_modulus"], P_loc[i])
            t_load[i] = cp.thickness_um(lay[i]["mass"], lay[i]["density"], s.area, D_load[i])
        s.thick = [t_load.get(i, s.thick[i]) for i in range(s.n)]
    return P_loc, D_load, t_load, y_new, Pmax_new


def pressing_contact_stage(plan: Plan, x: dict, s: _State, k: int, P_loc: dict, D_load: dict) -> None:
    """The interfaces pressed in step k (each side's state before the step: Pmax, not the new one): the contact
    integral (differential pressure), intermixing of powders and lithium creep into SE pores, the contact a metal
    foil reaches (creep-softened contact hardness) and the bond drive of a powder onto a compact."""
    lo, hi = plan.in_die[k]
    hold, T, lay = x["hold"][k], x["temperature"][k], s.lay
    for j in range(lo, hi):
        a, b = j, j + 1
        P_int = 0.5 * (P_loc[a] + P_loc[b])
        Ha, Hb = _hardness(plan, lay, a, T), _hardness(plan, lay, b, T)
        s.Phi[j] = s.Phi[j] + itf.contact_increment(P_int, s.Pmax[a], Ha, s.Pmax[b], Hb)
        if s.formed[j] < 0:
            s.formed[j] = k
        if not plan.foil[a] and not plan.foil[b]:  # particles of each side pushed into the other
            s.into[j][0] = np.maximum(s.into[j][0], itf.intermixing_depth(P_int, s.Pmax[a], Ha, lay[b]["particle_size"]))
            s.into[j][1] = np.maximum(s.into[j][1], itf.intermixing_depth(P_int, s.Pmax[b], Hb, lay[a]["particle_size"]))
            s.bond[j] = np.maximum(s.bond[j], itf.bond_drive(P_int, s.Pmax[a], Ha, s.Pmax[b], Hb))
            s.bond_dP[j] = np.maximum(s.bond_dP[j], P_int - np.maximum(s.Pmax[a], s.Pmax[b]))
        elif plan.foil[a] != plan.foil[b]:  # a soft metal on a powder
            metal, other, side = (a, b, 1) if plan.foil[a] else (b, a, 0)
            if plan.ionic[other]:
                # creeps into the pores of an SE (saturating with the accessible pore depth) ...
                s.into[j][side] = np.maximum(s.into[j][side], mech.pore_penetration_depth(
                    P_int, Ha if metal == a else Hb, lay[other]["particle_size"], 1.0 - D_load[other]))
                # ... and makes contact with it (creep-softened contact hardness)
                pm = lay[metal]
                H_c = itf.metal_contact_hardness(pm["contact_hardness"], hold, T, pm["creep_exponent"],
                                                 pm["creep_activation_energy"])
                s.f_metal[j] = np.maximum(s.f_metal[j], itf.metal_contact_step(P_int, H_c))


def _remember_step(plan: Plan, x: dict, s: _State, k: int, P_loc: dict, y_new: dict, Pmax_new: dict) -> None:
    """What a layer keeps of step k: its forming pressure and temperature (grain contacts), its densest state, and
    for a metal foil its spreading to the die wall and creep dose into the punch-die clearance."""
    hold, T, lay = x["hold"][k], x["temperature"][k], s.lay
    for i in P_loc:
        if plan.foil[i]:
            if not math.isnan(plan.foil_diameter[i]):
                p_spread = mech.extrusion_flow_pressure(lay[i]["yield_strength"], 0.5 * plan.foil_diameter[i],
                                                        s.thick[i])
                s.confined[i] = s.confined[i] | (P_loc[i] >= p_spread)
            s.ext_dose[i] = s.ext_dose[i] + np.where(s.confined[i], mech.creep_dose(P_loc[i], hold), 0.0)
        else:
            s.Pform[i] = np.maximum(s.Pform[i], tr.forming_equivalent_pressure(P_loc[i], T,
                                                                               lay[i]["softening_temperature"]))
            s.Tform[i] = np.maximum(s.Tform[i], T)
        s.y[i], s.Pmax[i] = y_new[i], Pmax_new[i]


def _record_step(plan: Plan, s: _State, k: int, P_loc: dict, D_load: dict, t_load: dict) -> None:
    lo, hi = plan.in_die[k]
    n, lay, zero = s.n, s.lay, s.zero
    D_rel = [zero + 1.0 if plan.foil[i] else cp.density_at(s.y[i], s.Pmax[i], lay[i]["compact_modulus"], 0.0)
             for i in range(n)]
    s.history.append({
        "pressure_local": [P_loc.get(i, math.nan) for i in range(n)],
        "density_under_load": [D_load.get(i, math.nan) for i in range(n)],
        "density_released": [D_rel[i] if lo <= i <= hi else math.nan for i in range(n)],
        "thickness_under_load": [t_load.get(i, math.nan) for i in range(n)],
        "thickness_released": [cp.thickness_um(lay[i]["mass"], lay[i]["density"], s.area, D_rel[i])
                               if lo <= i <= hi else math.nan for i in range(n)],
        "contact": [(math.nan if s.formed[j] < 0 else s.f_metal[j] if _metal_if(plan, j) else -np.expm1(-s.Phi[j]))
                    for j in range(s.n_if)],
        "intermixing": [(s.into[j][0] + s.into[j][1] if s.formed[j] >= 0 else math.nan) for j in range(s.n_if)],
        "in_die": (lo, hi),
    })


def transport_stage(plan: Plan, x: dict, s: _State) -> dict:
    """In the cell at the stack pressure: each layer's density and thickness (elastic re-compression of the released
    compact) and its ionic conductivity: the SE law (density, grain contacts kept and re-closed, sintering,
    over-pressing) on an SE or on a composite's SE network (percolation with its floor)."""
    Ps, Top, lay, zero = x["stack_pressure"], x["op_temperature"], s.lay, s.zero
    D_op, t_op, sigma, g_c = [], [], [], []
    for i in range(s.n):
        p = lay[i]
        D_op.append(zero + 1.0 if plan.foil[i] else cp.density_at(s.y[i], s.Pmax[i], p["compact_modulus"], Ps))
        t_op.append(cp.thickness_um(p["mass"], p["density"], s.area, D_op[i]))
        if not plan.ionic[i]:
            sigma.append(zero + math.nan)
            g_c.append(zero + math.nan)
            continue
        k_eff = tr.sintered_retention(p["contact_retention"], s.Tform[i], p["softening_temperature"])
        g_c.append(tr.grain_contact_factor(Ps, s.Pform[i], p["contact_exponent"], p["contact_saturation"], k_eff))
        sigma_ref = p["ionic_conductivity"]
        if not math.isnan(plan.se_fraction[i]):  # a composite: percolation of its SE network
            sigma_ref = tr.composite_conductivity(sigma_ref, plan.se_fraction[i], p["cam_d50"] / p["se_d50"],
                                                  p["floor_conductivity"])
        sigma.append(tr.se_conductivity(sigma_ref, D_op[i], Ps, s.Pform[i], p["percolation_density"],
                                        p["conductivity_exponent"], p["contact_exponent"], p["contact_saturation"],
                                        k_eff, p["activation_energy"], Top, p["overpress_onset"], p["overpress_scale"]))
    return {"D_op": D_op, "thickness": t_op, "sigma": sigma, "grain_contact": g_c}


def cell_contact_stage(plan: Plan, x: dict, s: _State, cell: dict) -> dict:
    """Contact of every interface in the cell and its ASR: a metal foil on an SE (kept pressed contact and the stack's
    creep contact, plus the constriction on the SE's roughness), powders (retained contact integral and the stack)."""
    Ps, Top, lay = x["stack_pressure"], x["op_temperature"], s.lay
    H_op = [_hardness(plan, lay, i, 25.0) for i in range(s.n)]
    f_cell, asr_if, kind_if = [], [], []
    for j in range(s.n_if):
        a, b = j, j + 1
        anode_side = _anode_side(plan, a, b)
        kind_if.append("electrode" if anode_side is not None else "contact")
        if _metal_if(plan, j):
            metal, other = (a, b) if plan.foil[a] else (b, a)
            pm = lay[metal]
            H_c_op = itf.metal_contact_hardness(pm["contact_hardness"], itf.T_OPERATION_S, Top, pm["creep_exponent"],
                                                pm["creep_activation_energy"])
            f = itf.metal_contact_fraction(s.f_metal[j], Ps, H_c_op)
            asr0 = pm["interface_asr"] if anode_side is not None else itf.ASR_SE_SE
            a_isl = 0.5 * lay[other]["particle_size"]  # contact islands on the SE's surface roughness
            asr = itf.interfacial_asr(asr0, f) + itf.constriction_asr(f, cell["sigma"][other], a_isl)
        else:
            f = itf.contact_fraction(s.Phi[j], Ps, np.minimum(H_op[a], H_op[b]))
            asr0 = lay[anode_side]["interface_asr"] if anode_side is not None else itf.ASR_SE_SE
            asr = itf.interfacial_asr(asr0, f)
        f_cell.append(f)
        asr_if.append(asr)
    return {"contact": f_cell, "asr_interface": asr_if, "interface_kind": kind_if}


def impedance_stage(plan: Plan, x: dict, s: _State, cell: dict, contact: dict) -> dict:
    """The equivalent circuit: R0 (separator and other SE layers, a third of a composite's ionic resistance, SE|SE
    contacts) and an R||CPE arc per electrode interface (the cathode's charge transfer on its real contact)."""
    Ps, lay, zero, area = x["stack_pressure"], s.lay, s.zero, s.area
    R0, arcs, R_layer = zero, [], []  # arcs: (label, R ohm, C farad)
    for i in range(s.n):
        if plan.ionic[i] and plan.cam_fraction[i] > 0:  # composite cathode
            R_layer.append(tr.layer_resistance_ohm(cell["thickness"][i], cell["sigma"][i], area) / 3.0)
            loading = lay[i]["mass"] * plan.cam_fraction[i] / area
            f_int = itf.contact_fraction(s.Pmax[i] / lay[i]["yield_pressure"], Ps, lay[i]["yield_pressure"])
            asr_ct = itf.cathode_charge_transfer_asr(lay[i]["interface_asr"], loading, f_int)
            C = lay[i]["interface_capacitance"] * 1e-6 * area * loading / itf.LOADING_REF_MG_CM2 * f_int  # C_dl ~ f
            arcs.append((plan.names[i], asr_ct / area, C))
        elif plan.ionic[i]:
            R_layer.append(tr.layer_resistance_ohm(cell["thickness"][i], cell["sigma"][i], area))
        else:
            R_layer.append(zero)
        R0 = R0 + R_layer[i]
    for j in range(s.n_if):
        if contact["interface_kind"][j] == "contact":
            R0 = R0 + contact["asr_interface"][j] / area
        else:
            side = _anode_side(plan, j, j + 1)
            C = lay[side]["interface_capacitance"] * 1e-6 * area * contact["contact"][j]  # C_dl ~ real contact
            arcs.append((f"{plan.names[j]}|{plan.names[j + 1]}", contact["asr_interface"][j] / area, C))
    ends_blocking = int(not plan.electrode[0]) + int(not plan.electrode[-1]) if s.n > 1 else 2
    if s.n == 1 and plan.electrode[0]:
        ends_blocking = 2
    R_total = R0 + sum((R for _, R, _ in arcs), zero)
    return {"R0": R0, "R_layer": R_layer, "arcs": arcs, "blocking_ends": ends_blocking, "R_total": R_total,
            "ASR_total": R_total * area}


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
            # issue 23: from the measured fall of conduction with forming pressure (over-pressing law)
            loss = 1.0 - tr.overpress_factor(Pmax[i], p["overpress_onset"], p["overpress_scale"])
            medium_at = p["overpress_onset"] + p["overpress_scale"] * (1.0 / (1.0 - mech.OVERPRESS_LOSS_MEDIUM) - 1.0)
            out.append(("SE cracking", plan.names[i], mech.overpress_score(loss),
                        {"P_max": Pmax[i], "threshold": medium_at, "loss": loss, "onset": p["overpress_onset"]}))
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
    "SE cracking": "over-pressing law of the joint calibration (cronau2021: conduction vs forming pressure); levels at "
                   "15 % / 25 % of the conduction lost (estimate)",
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
        return (f"{subject} saw {f(d['P_max']):.0f} MPa; beyond about {f(d['onset']):.0f} MPa pressing cracks grains and "
                f"the pellet loses conduction: {100 * f(d['loss']):.0f} % here (the medium level, 15 % lost, is "
                f"reached at about {f(d['threshold']):.0f} MPa)", f"{f(d['threshold']):.0f} MPa")
    if name == "cathode particle cracking":
        return (f"{subject} saw {f(d['P_max']):.0f} MPa; polycrystalline active particles crack from about "
                f"{f(d['threshold']):.0f} MPa", f"{f(d['threshold']):.0f} MPa")
    if name == "metal extrusion":
        if not bool(d["confined"]):
            return (f"{subject} was pressed at {f(d['P_max']):.1f} MPa, below the {f(d['spread']):.1f} MPa at which a "
                    f"foil this size spreads to the die wall: no metal reaches the clearance", f"{f(d['threshold']):.1f} MPa")
        return (f"{subject} was pressed at {f(d['P_max']):.1f} MPa: it creeps into the {f(d['clearance']):.0f} um "
                f"punch-die clearance and loses {100 * f(d['thinning']):.2f} % of its thickness there (the risk starts, "
                f"still low, at {100 * mech.X_ONSET:g} % lost, about {f(d['threshold']):.1f} MPa with these holds; "
                f"medium from {100 * (mech.X_ONSET + mech.LEVELS[0][0] * mech.X_SPAN):.1f} % lost)", f"{f(d['threshold']):.1f} MPa")
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


def simulate(design: Design, library: Library | None = None, *, validate: bool = True, bands=False,
             tolerances: str | None = None) -> Outcome:
    """Predict porosity, conductivity, contact, intermixing, risks and impedance of a design. ``bands``: True (the
    library's laboratory, from a materials file's [laboratory] table; else a new laboratory) or a
    ``pressbook.bands.Laboratory`` adds the 5-95 % bands (``Outcome.band``); ``tolerances`` ("manual",
    "automatic": pressbook.tolerances.PRESSES) adds that press's scatter to the bands' draws."""
    from . import bands as _bands  # noqa: PLC0415 - bands runs simulate_many, which imports this module
    from .errors import InvalidInputError  # noqa: PLC0415
    from .tolerances import check_press  # noqa: PLC0415 - tolerances imports batch, which imports this module

    lib = library or default_library()
    if tolerances is not None:
        check_press(tolerances)
        if not bands:
            raise InvalidInputError("tolerances", tolerances, "press tolerances with bands: simulate(design, "
                                    "bands=True, tolerances=...)")
    if validate:
        design.validate(lib)
    mats = [lib.for_layer(l) for l in design.layers]
    plan = make_plan(design, mats, lib)
    x = make_inputs(design, mats)
    r = run_kernel(plan, x)
    out = _assemble(design, mats, plan, x, r, lib)
    out.versions = _bands.versions()
    if bands:
        lab = bands if isinstance(bands, _bands.Laboratory) else None  # None: the library's (a new laboratory)
        out.bands = _bands.bands(design, lib, lab, validate=False, tolerances=tolerances)
    return out


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
