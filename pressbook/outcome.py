"""What follows from a design: per-layer and per-interface state, risks, impedance, history.

``Outcome.to_dict()`` is the `pressbook simulate --json` contract: every physical quantity is written
as {"magnitude": x, "units": "..."} with pint-parsable units; dimensionless numbers are plain.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np

from .units import quantity_dict as q

U_THICK, U_SIGMA, U_ASR, U_P = "um", "mS/cm", "ohm * cm ** 2", "MPa"


@dataclass
class LayerState:
    name: str
    role: str
    material: str
    relative_density: float     # in the cell (after release, under the operating stack pressure)
    porosity: float
    thickness: float            # um, in the cell
    density_under_load: float   # largest density reached under load
    max_pressure: float         # MPa, largest local pressure seen
    ionic_conductivity: float | None  # mS/cm at the operating temperature; None if not an ion conductor
    resistance: float           # ohm, ionic contribution to R0
    ejected_density: float = float("nan")  # after pushing the pellet out of the die (what calipers measure)
    grain_contact: float | None = None  # issue 12: fraction of the closed grain-contact conductance at the stack pressure


@dataclass
class InterfaceState:
    name: str
    lower: str
    upper: str
    kind: str                   # "electrode" (charge transfer) or "contact"
    contact_fraction: float
    asr: float                  # ohm cm2
    intermixing_depth: float    # um
    formed_in_step: int
    intermixing_lower: float = 0.0  # um of the zone inside the lower layer (particles of the upper pushed in)
    intermixing_upper: float = 0.0  # um of the zone inside the upper layer
    bond_differential: float | None = None  # issue 12: MPa, best bonding pressure minus the pre-compaction of the
    #                                         harder-pressed side (powder|powder interfaces; <= 0: weak bond)


@dataclass
class Risk:
    name: str
    subject: str
    score: float
    level: str
    reason: str
    threshold: str
    source: str


@dataclass
class ImpedanceResult:
    circuit: str
    parameters: list
    elements: list              # (element, meaning, resistance ohm)
    frequencies: np.ndarray     # Hz
    z_real: np.ndarray          # ohm
    z_imag: np.ndarray          # ohm
    total_resistance: float     # ohm (DC sum of the resistive elements)
    total_asr: float            # ohm cm2
    area: float                 # cm2
    blocking: bool              # True: no electrode on one side, DC blocked (total = ionic only)


@dataclass
class StepRecord:
    index: int
    add: list
    pressure: float
    hold: float
    temperature: float
    in_die: list
    local_pressure: dict
    density_under_load: dict
    density_released: dict
    thickness_under_load: dict
    thickness_released: dict
    contact_fraction: dict
    intermixing_depth: dict


@dataclass
class Outcome:
    design: object
    layers: list
    interfaces: list
    risks: list
    impedance: ImpedanceResult
    history: list
    sources: list = field(default_factory=list)
    #: materials library digest, joint calibration and posterior versions (pressbook.bands.versions)
    versions: dict = field(default_factory=dict)
    #: 5-95 % bands (pressbook.bands.Bands) when simulated with ``bands=True``, else None
    bands: object = None

    def layer(self, name: str) -> LayerState:
        return next(l for l in self.layers if l.name == name)

    def interface(self, name: str) -> InterfaceState:
        return next(i for i in self.interfaces if i.name == name)

    def risk(self, name: str, subject: str | None = None) -> Risk | None:
        for r in self.risks:
            if r.name == name and (subject is None or r.subject == subject):
                return r
        return None

    @property
    def worst_risk(self) -> Risk | None:
        return self.risks[0] if self.risks else None

    def band(self, quantity: str, subject: str | None = None) -> tuple:
        """(low, high), the 5-95 % band of a quantity in its own units: ``band("total_asr")``,
        ``band("ionic_conductivity", "separator")``, ``band("asr", "cathode|separator")``."""
        if self.bands is None:
            from .errors import InvalidInputError  # noqa: PLC0415

            raise InvalidInputError("band", quantity, "an outcome simulated with bands: simulate(design, bands=True)")
        return self.bands.get(quantity, subject)

    # ---------------------------------------------------------------- export
    def to_dict(self) -> dict:
        """The JSON contract. JSON has no inf or NaN: a non-finite number (the infinite resistance of a
        layer that does not percolate) is written as null, also as the magnitude of a quantity. With bands, every
        quantity object gains ``band`` [5 %, 95 %] in its own units, every plain fraction a ``<name>_band``, every
        risk a ``probability`` (share of the model's draws at least "medium"), the impedance an ``envelope``."""
        d = self._to_dict()
        d["versions"] = dict(self.versions)
        if self.bands is not None:
            _add_bands(d, self.bands)
        return _finite_or_none(d)

    def _to_dict(self) -> dict:
        imp = self.impedance
        return {
            "title": self.design.title,
            "layers": [{
                "name": l.name, "role": l.role, "material": l.material,
                "relative_density": l.relative_density, "porosity": l.porosity,
                "thickness": q(l.thickness, U_THICK),
                "ionic_conductivity": None if l.ionic_conductivity is None else q(l.ionic_conductivity, U_SIGMA),
                "density_under_load": l.density_under_load,
                "ejected_density": l.ejected_density,
                "max_pressure": q(l.max_pressure, U_P),
                "grain_contact": l.grain_contact,
            } for l in self.layers],
            "interfaces": [{
                "name": i.name, "kind": i.kind, "contact_fraction": i.contact_fraction,
                "asr": q(i.asr, U_ASR), "intermixing_depth": q(i.intermixing_depth, U_THICK),
                "intermixing_lower": q(i.intermixing_lower, U_THICK), "intermixing_upper": q(i.intermixing_upper, U_THICK),
                "formed_in_step": i.formed_in_step,
                "bond_differential": None if i.bond_differential is None else q(i.bond_differential, U_P),
            } for i in self.interfaces],
            "risks": [{"name": r.name, "subject": r.subject, "score": r.score, "level": r.level,
                       "reason": r.reason, "threshold": r.threshold, "source": r.source} for r in self.risks],
            "impedance": {
                "total_asr": q(imp.total_asr, U_ASR), "total_resistance": q(imp.total_resistance, "ohm"),
                "circuit": imp.circuit, "parameters": imp.parameters,
                "elements": [{"element": e, "meaning": m, "resistance": q(R, "ohm")} for e, m, R in imp.elements],
                "area": q(imp.area, "cm ** 2"), "blocking": imp.blocking,
            },
            "history": [{
                "step": h.index, "add": h.add, "pressure": q(h.pressure, U_P), "hold": q(h.hold, "s"),
                "temperature": q(h.temperature, "degC"), "in_die": h.in_die,
                "layers": {name: {
                    "local_pressure": _qq(h.local_pressure[name], U_P),
                    "density_under_load": h.density_under_load[name],
                    "density_released": h.density_released[name],
                    "thickness_under_load": _qq(h.thickness_under_load[name], U_THICK),
                    "thickness_released": _qq(h.thickness_released[name], U_THICK),
                } for name in h.in_die},
                "interfaces": {name: {"contact_fraction": h.contact_fraction[name],
                                      "intermixing_depth": _qq(h.intermixing_depth[name], U_THICK)}
                               for name in h.contact_fraction if h.contact_fraction[name] is not None},
            } for h in self.history],
            "sources": self.sources,
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, allow_nan=False, default=_json_default)

    def summary(self) -> str:
        """A readable text summary with units (with bands: each number's 90 % band and each risk's probability)."""
        b = self.bands
        lines = [f"{self.design.title or 'design'}", ""]
        lines.append("layer        material                   density  porosity  thickness   sigma_ion")
        for l in self.layers:
            sig = "-" if l.ionic_conductivity is None else f"{l.ionic_conductivity:.3g} mS/cm"
            if b is not None and l.ionic_conductivity is not None and "ionic_conductivity" in b.layers.get(l.name, {}):
                lo, hi = b.layers[l.name]["ionic_conductivity"]
                sig += f" (90 % band {lo:.3g}-{hi:.3g})"
            lines.append(f"{l.name[:12]:<12} {l.material[:26]:<26} {l.relative_density:7.3f}  {100 * l.porosity:6.1f} %"
                         f"  {l.thickness:7.1f} um  {sig}")
        lines += ["", "interface              contact   ASR              intermixing"]
        for i in self.interfaces:
            band = ""
            if b is not None and i.name in b.interfaces:
                lo, hi = b.interfaces[i.name]["asr"]
                band = f"  (ASR 90 % band {lo:.3g}-{hi:.3g})"
            lines.append(f"{i.name[:22]:<22} {i.contact_fraction:6.3f}   {i.asr:9.3g} ohm cm2  {i.intermixing_depth:6.1f} um"
                         + band)
        imp = self.impedance
        total = f"total ASR {imp.total_asr:.4g} ohm cm2"
        if b is not None:
            press = f", with a {b.tolerances} press's tolerances" if getattr(b, "tolerances", None) else ""
            total += f" (90 % band {b.total_asr[0]:.4g}-{b.total_asr[1]:.4g}, for {b.laboratory.label}{press})"
        lines += ["", f"impedance: {total}, total R {imp.total_resistance:.4g} ohm "
                      f"(die area {imp.area:.3f} cm2); circuit {imp.circuit}"]
        if imp.blocking:
            lines.append("  (no electrode on at least one side: DC is blocked, the total is the ionic resistance)")
        lines += ["", "risks:"]
        for r in self.risks:
            p = "" if b is None else f", probability {100 * b.risks.get((r.name, r.subject), 0.0):.0f} % of at least medium"
            lines.append(f"  [{r.level:>6}] {r.name} ({r.subject}), score {r.score:.2f}{p}: {r.reason}")
        return "\n".join(lines)


def _add_bands(d: dict, b) -> None:
    """Write the bands of ``b`` (pressbook.bands.Bands) into the JSON dict ``d`` (extends, never renames)."""
    for layer in d["layers"]:
        row = b.layers.get(layer["name"], {})
        for key in ("thickness", "ionic_conductivity"):
            if key in row and isinstance(layer.get(key), dict):
                layer[key]["band"] = list(row[key])
        for key in ("porosity", "relative_density"):
            if key in row:
                layer[f"{key}_band"] = list(row[key])
    for itf in d["interfaces"]:
        row = b.interfaces.get(itf["name"], {})
        for key in ("asr", "intermixing_depth"):
            if key in row:
                itf[key]["band"] = list(row[key])
        if "contact_fraction" in row:
            itf["contact_fraction_band"] = list(row["contact_fraction"])
    for risk in d["risks"]:
        risk["probability"] = b.risks.get((risk["name"], risk["subject"]))
    d["impedance"]["total_asr"]["band"] = list(b.total_asr)
    d["impedance"]["total_resistance"]["band"] = list(b.total_resistance)
    d["impedance"]["envelope"] = {k: {"magnitude": list(v), "units": "Hz" if k == "frequencies" else "ohm"}
                                  for k, v in b.spectrum.items()}
    press = getattr(b, "tolerances", None)
    d["bands"] = {"low_percent": 5, "high_percent": 95, "draws": b.n_draws, "laboratory": b.laboratory.name,
                  "tolerances": press,
                  "laboratory_lot": b.laboratory.lot, "laboratory_pellets": b.laboratory.n_pellets,
                  "covers": "the joint calibration's posterior, the between-laboratory scatter and the model error of "
                            "conductivities, and the spread of the uncalibrated interfacial ASRs; "
                            + (f"and the {press} press's tolerances (step pressures, holds, layer masses)" if press
                               else "not the press tolerances (add them with tolerances='manual' or 'automatic', or "
                                    "see the uncertainty app)")}


def _finite_or_none(o):
    """A copy of a JSON-like structure with every non-finite float replaced by None."""
    if isinstance(o, dict):
        return {k: _finite_or_none(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [_finite_or_none(v) for v in o]
    if isinstance(o, (float, np.floating)):
        return float(o) if np.isfinite(o) else None
    return o


def _qq(v, unit):
    return None if v is None else q(v, unit)


def _json_default(o):
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, (np.floating, np.integer)):
        return o.item()
    raise TypeError(type(o).__name__)
