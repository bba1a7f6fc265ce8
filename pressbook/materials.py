"""Materials: the parameter library (data/materials.toml), user materials, and composites.

Every parameter carries its value in pressbook's canonical unit and its provenance: a source key
(resolving to a DOI in data/sources.toml) or an estimate with its reasoning. Composite layers mix
their components' parameters by volume fraction (rules in ``composite``).
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from .errors import DesignFileError, InvalidInputError, MaterialDataError, UnknownMaterialError
from .inputs import clean_text, read_file_bytes
from .units import safe_unit, ureg

try:
    import tomllib
except ModuleNotFoundError:  # pragma: no cover
    import tomli as tomllib

#: Suffix of a user's material whose name is already a library material (a built-in is never replaced).
YOURS = " (yours)"
KINDS = ("solid_electrolyte", "cathode_active", "conductive_additive", "anode_foil", "anode_powder")

#: name -> (canonical unit, min, max, description)
PARAMETERS = {
    "density": ("g/cm^3", 0.3, 12.0, "true density of the solid"),
    "heckel_intercept": ("", -0.5, 3.0, "Heckel intercept A"),
    "yield_pressure": ("MPa", 1.0, 50000.0, "Heckel yield pressure P_y"),
    "creep_coefficient": ("", 0.0, 0.5, "hold-time creep coefficient"),
    "softening_temperature": ("K", 10.0, 1e5, "warm-pressing softening temperature T_s"),
    "compact_modulus": ("GPa", 0.1, 500.0, "compact modulus M (springback)"),
    "ionic_conductivity": ("mS/cm", 1e-6, 100.0, "bulk ionic conductivity at 25 degC"),
    "activation_energy": ("eV", 0.05, 1.5, "activation energy of ionic conduction"),
    "percolation_density": ("", 0.0, 0.95, "percolation density D_c"),
    "conductivity_exponent": ("", 0.1, 5.0, "conductivity exponent t"),
    "particle_size": ("um", 0.0, 500.0, "median particle size d50"),
    "crumble_pressure": ("MPa", 0.0, 1000.0, "minimum pressure for green strength"),
    "crack_pressure": ("MPa", 10.0, 20000.0, "cracking pressure"),
    "yield_strength": ("MPa", 0.01, 1000.0, "yield strength of a foil"),
    "interface_asr": ("ohm*cm^2", 0.01, 10000.0, "intrinsic interfacial ASR vs a sulfide SE"),
    "interface_capacitance": ("uF/cm^2", 0.001, 1e5, "areal interface capacitance"),
    "relative_permittivity": ("", 1.0, 10000.0, "relative permittivity"),
    # optional (defaults in pressbook.simulate.OPTIONAL_DEFAULTS): grain contacts, contact hardness, metal creep
    "contact_exponent": ("", 0.05, 3.0, "exponent m of the grain-contact factor min(1, (P_eff/P_sat)^m)"),
    "contact_saturation": ("MPa", 1.0, 5000.0, "pressure P_sat at which grain contacts are closed"),
    "residual_contact": ("", 0.0, 1.0, "v2 form, still read: fraction r of the forming pressure kept as contact "
                         "pressure after release (taken as contact_retention = r^m when that is not given)"),
    "contact_retention": ("", 0.0, 1.0, "share k of the formed grain contact a pellet keeps after release"),
    "overpress_onset": ("MPa", 1.0, 1e5, "forming pressure above which over-pressing lowers conduction"),
    "overpress_scale": ("MPa", 1.0, 1e7, "pressure above the onset that halves the conduction kept"),
    "contact_hardness": ("MPa", 0.01, 50000.0, "contact hardness: powders the particle hardness (default the Heckel "
                         "yield pressure); foils the effective hardness on a rough SE at 60 s, 25 degC (default 3 sigma_y)"),
    "creep_exponent": ("", 1.0, 20.0, "foils: power-law creep stress exponent n"),
    "creep_activation_energy": ("eV", 0.01, 5.0, "foils: creep activation energy Q"),
    "active_ionic_conductivity": ("mS/cm", 0.0, 1.0, "active materials: the particles' own Li-ion conductivity "
                                  "(electrons blocked); carries a composite's ions below SE percolation"),
}
POWDER = ("density", "heckel_intercept", "yield_pressure", "creep_coefficient", "softening_temperature",
          "compact_modulus", "particle_size", "crumble_pressure", "crack_pressure")
REQUIRED = {
    "solid_electrolyte": POWDER + ("ionic_conductivity", "activation_energy", "percolation_density",
                                   "conductivity_exponent", "relative_permittivity"),
    "cathode_active": POWDER + ("interface_asr", "interface_capacitance"),
    "conductive_additive": POWDER,
    "anode_foil": ("density", "yield_strength", "compact_modulus", "interface_asr", "interface_capacitance"),
    "anode_powder": POWDER + ("interface_asr", "interface_capacitance"),
}


@dataclass(frozen=True)
class Parameter:
    value: float
    unit: str
    source: str | None = None
    estimate: str | None = None
    note: str = ""

    @property
    def provenance(self) -> str:
        return self.source if self.source else "estimate: " + (self.estimate or "")


@dataclass
class Material:
    """A material (or a composite of materials) with parameters in canonical units."""

    id: str
    name: str
    kind: str
    params: dict[str, Parameter]
    aliases: tuple[str, ...] = ()
    components: dict[str, float] = field(default_factory=dict)  # composites: id -> volume fraction of solids
    #: composites with an SE: {"se_fraction": v_SE of the solids, "size_ratio": d_CAM / d_SE} (ion-conducting network)
    network: dict | None = None

    def __getitem__(self, key: str) -> float:
        return self.params[key].value

    def get(self, key: str, default=None):
        p = self.params.get(key)
        return default if p is None else p.value

    @property
    def is_foil(self) -> bool:
        return self.kind == "anode_foil"

    @property
    def is_ionic(self) -> bool:
        return "ionic_conductivity" in self.params

    @property
    def contact_hardness(self) -> float:
        """MPa. The material's ``contact_hardness`` parameter when it has one (powders: the particle hardness;
        foils: the effective contact hardness on a rough SE, size effect, 1 min hold); otherwise powders the
        Heckel yield pressure (P_y ~ 3 sigma_y ~ H; Hersey & Rees 1971) and foils the Tabor hardness 3 sigma_y."""
        if "contact_hardness" in self.params:
            return self["contact_hardness"]
        if self.is_foil:
            return 3.0 * self["yield_strength"]
        return self["yield_pressure"]

    def sources(self) -> set[str]:
        return {p.source for p in self.params.values() if p.source}


class Library:
    """Materials by canonical id, with case-insensitive lookup of ids and aliases."""

    def __init__(self, sources: dict[str, dict]):
        self.sources = dict(sources)
        self.materials: dict[str, Material] = {}
        self._index: dict[str, str] = {}
        #: whose pellets the bands are for (pressbook.bands.Laboratory, from a materials file's [laboratory]
        #: table); None: a new laboratory
        self.laboratory = None

    # ------------------------------------------------------------- lookup
    def get(self, name: str, field: str = "material") -> Material:
        key = _norm(name) if isinstance(name, str) else None
        if key is None or key not in self._index:
            shown = ", ".join(sorted(self.materials))
            raise UnknownMaterialError(field, name, f"a library material ({shown}) or an alias of one")
        return self.materials[self._index[key]]

    def __contains__(self, name) -> bool:
        return isinstance(name, str) and _norm(name) in self._index

    def ids(self, kind: str | None = None) -> list[str]:
        return [m.id for m in self.materials.values() if kind is None or m.kind == kind]

    # ------------------------------------------------------------- loading
    def add_toml(self, text: str, origin: str = "materials file", **kw) -> list[str]:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise MaterialDataError(f"{origin}: not valid TOML ({exc})") from None
        except (RecursionError, ValueError, MemoryError) as exc:
            raise MaterialDataError(f"{origin}: unreadable ({type(exc).__name__}: nested too deeply or too large); "
                                    "allowed: a materials TOML file like the calibration app's") from None
        return self.add_dict(data, origin, **kw)

    def add_dict(self, data: dict, origin: str = "materials", *, yours: bool = False) -> list[str]:
        """Validate and add materials given as {id: {name, kind, aliases, <param> = {value, unit, source|estimate}}}.

        ``yours=True`` (a user's upload): a material whose id or alias is already a library material of
        another origin is added as "<id> (yours)" without the clashing aliases, never replacing it."""
        if not isinstance(data, dict):
            raise MaterialDataError(f"{origin}: expected a table of materials")
        data = dict(data)
        lab = data.pop(LABORATORY) if _is_laboratory(data.get(LABORATORY)) else None
        parsed = [self._parse(mid, entry, origin) for mid, entry in data.items()]
        added = [self._as_yours(m) for m in parsed] if yours else parsed
        laboratory = None if lab is None else parse_laboratory(lab, f"{origin} [{LABORATORY}]", list(data))
        for m in added:
            self.materials[m.id] = m
            for name in (m.id, *m.aliases):
                self._index[_norm(name)] = m.id
        if laboratory is not None:  # its calibrated materials by the ids they were added under ("(yours)")
            renamed = {p.id: m.id for p, m in zip(parsed, added)}
            self.laboratory = dataclasses.replace(
                laboratory, calibrated=tuple(renamed.get(c, c) for c in laboratory.calibrated))
        return [m.id for m in added]

    def _as_yours(self, m: Material) -> Material:
        names = [m.id, *m.aliases]
        if not any(_norm(n) in self._index and not self._index[_norm(n)].endswith(YOURS) for n in names):
            return m
        aliases = tuple(a for a in m.aliases if _norm(a) not in self._index)
        return dataclasses.replace(m, id=m.id + YOURS, name=m.name + YOURS, aliases=aliases)

    def _parse(self, mid: str, entry, origin: str) -> Material:
        mid = clean_text(mid, f"{origin} material name", 80, allow_empty=False)
        where = f"{origin} [{mid}]"
        if not isinstance(entry, dict):
            raise MaterialDataError(f"{where}: expected a table")
        kind = entry.get("kind")
        if kind not in KINDS:
            raise MaterialDataError(f"{where}.kind: got {kind!r}; allowed: {', '.join(KINDS)}")
        params = {}
        for key, raw in entry.items():
            if key in ("name", "kind", "aliases"):
                continue
            if key not in PARAMETERS:
                raise MaterialDataError(f"{where}.{key}: unknown parameter; allowed: {', '.join(PARAMETERS)}")
            params[key] = self._parameter(raw, key, f"{where}.{key}")
        missing = [k for k in REQUIRED[kind] if k not in params]
        if missing:
            raise MaterialDataError(f"{where}: missing parameter(s) {', '.join(missing)} required for kind {kind}")
        aliases = entry.get("aliases", [])
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            raise MaterialDataError(f"{where}.aliases: expected a list of names")
        aliases = [clean_text(a, f"{where}.aliases", 80, allow_empty=False) for a in aliases]
        name = clean_text(str(entry.get("name", mid)), f"{where}.name", 200) or mid
        return Material(id=mid, name=name, kind=kind, params=params, aliases=tuple(aliases))

    def _parameter(self, raw, key: str, where: str) -> Parameter:
        unit, lo, hi, what = PARAMETERS[key]
        if not isinstance(raw, dict) or "value" not in raw:
            raise MaterialDataError(f"{where}: expected {{ value, unit, source or estimate }}")
        value = raw["value"]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise MaterialDataError(f"{where}.value: got {value!r}; allowed: a finite number")
        given_unit = raw.get("unit", "")
        try:
            q = ureg.Quantity(float(value), safe_unit(given_unit) if given_unit else "dimensionless")
            value = float(q.to(unit or "dimensionless").magnitude)
        except Exception:
            raise MaterialDataError(
                f"{where}.unit: got {given_unit!r}; allowed: a unit convertible to {unit or 'dimensionless'} ({what})") from None
        if not lo <= value <= hi:
            raise MaterialDataError(f"{where}.value: got {value:g} {unit}; allowed: {lo:g} to {hi:g} {unit} ({what})")
        source, estimate = raw.get("source"), raw.get("estimate")
        if (source is None) == (estimate is None):
            raise MaterialDataError(f"{where}: needs exactly one of source (a key of sources.toml) or estimate (the reasoning)")
        if source is not None and source not in self.sources:
            raise MaterialDataError(f"{where}.source: got {source!r}; allowed: a key of sources.toml ({', '.join(self.sources)})")
        if estimate is not None and (not isinstance(estimate, str) or len(estimate.strip()) < 10):
            raise MaterialDataError(f"{where}.estimate: give the reasoning in words (at least 10 characters)")
        return Parameter(value=value, unit=unit, source=source, estimate=estimate, note=str(raw.get("note", "")))

    # ------------------------------------------------------------- composites
    def composite(self, composition: dict[str, float], name: str = "composite", cam_d50: float | None = None,
                  se_d50: float | None = None) -> Material:
        """Mix materials given by mass fractions; parameters from the volume fractions of the solids.

        Rules (each an assumption, stated): 1/rho = sum w_i/rho_i. Compaction: cathode active materials are
        the hard phase, every other powder the soft phase; with both present, the Heckel A and P_y are the
        effective values of the hard/soft mixture law (models.compaction.mixture_heckel: the soft phase fills
        the voids between hard particles; a hard skeleton limits densification at high active fractions),
        the creep coefficient (1 - S) c_soft + S c_hard and the compact modulus models.compaction.mixture_modulus
        (S the skeleton's load share); within one phase A, creep arithmetic and P_y, M harmonic volume means.
        Without both phases: A and creep arithmetic, P_y and M harmonic (as before). 1/T_s volume-averaged;
        crumble pressure volume-averaged; crack pressure the lowest of any component above 5 vol%; particle
        size the coarsest component (it sets intermixing); contact hardness the harmonic volume mean of the
        components' contact hardness (contact area grows only on the part that yields). Ionic conduction:
        ``ionic_conductivity`` of the composite is the conductivity of its SE as it is in the composite
        (sigma_SE,in-composite: the volume mean of the SE components' values, so a milled grade named in the
        composition brings its own lower value); the kernel multiplies it by the SE-network percolation
        factor (models.transport.composite_conductivity, ``network``: SE fraction and size ratio d_CAM/d_SE)
        and applies the SE's density law with its exponent and activation energy, and a percolation density
        at the same fraction of the composite's fill density as the SE's is of its own; interfacial ASR and
        capacitance those of the active material. ``network`` also holds the particle sizes d50 (um) of the
        active material and of the SE, ``cam_d50`` / ``se_d50`` (the layer's own or the components' volume-mean
        ``particle_size``), and ``floor_conductivity`` (mS/cm), what the active particles carry without an SE path
        (models.transport.floor_conductivity; ``active_ionic_conductivity`` or transport.ACTIVE_IONIC_DEFAULT).
        """
        from .models import compaction as cp  # noqa: PLC0415 - models import nothing of materials
        from .models import transport as tr  # noqa: PLC0415

        mats: dict[str, float] = {}
        for k, w in composition.items():  # an id and its alias are one material: add their fractions
            mid = self.get(k, field=f"composition.{k}").id
            mats[mid] = mats.get(mid, 0.0) + w
        if len(mats) == 1:
            return self.get(next(iter(mats)))
        comps = {m: self.materials[m] for m in mats}
        vol = {m: mats[m] / comps[m]["density"] for m in mats}
        total_vol = sum(vol.values())
        v = {m: vol[m] / total_vol for m in mats}
        P = {}

        def derived(value, unit, note):
            return Parameter(value=value, unit=unit, estimate=f"volume mix of {', '.join(mats)}: {note}")

        P["density"] = derived(sum(mats.values()) / total_vol, "g/cm^3", "1/rho = sum w_i/rho_i")
        foils = [m for m in mats if comps[m].is_foil]
        if foils:
            raise InvalidInputError("composition", foils[0], "powder materials (a metal foil cannot be mixed into a composite)")
        powders = list(mats)
        vp = sum(v[m] for m in powders)

        def mean(key, how, members):
            tot = sum(v[m] for m in members)
            vals = [(v[m] / tot, comps[m][key]) for m in members]
            return sum(w * x for w, x in vals) if how == "arith" else 1.0 / sum(w / x for w, x in vals)

        for key, how in (("heckel_intercept", "arith"), ("yield_pressure", "harm"), ("creep_coefficient", "arith"),
                         ("softening_temperature", "harm"), ("compact_modulus", "harm"), ("crumble_pressure", "arith")):
            P[key] = derived(mean(key, how, powders), PARAMETERS[key][0], "arithmetic" if how == "arith" else "harmonic")
        hard = [m for m in powders if comps[m].kind == "cathode_active"]
        soft = [m for m in powders if comps[m].kind != "cathode_active"]
        if hard and soft:
            v_h = sum(v[m] for m in hard) / vp
            ph = {k: mean(k, h, hard) for k, h in (("heckel_intercept", "arith"), ("yield_pressure", "harm"),
                                                   ("creep_coefficient", "arith"), ("compact_modulus", "harm"))}
            ps = {k: mean(k, h, soft) for k, h in (("heckel_intercept", "arith"), ("yield_pressure", "harm"),
                                                   ("creep_coefficient", "arith"), ("compact_modulus", "harm"))}
            A, Py, S = cp.mixture_heckel(v_h, (ps["heckel_intercept"], ps["yield_pressure"], ps["creep_coefficient"]),
                                         (ph["heckel_intercept"], ph["yield_pressure"], ph["creep_coefficient"]))
            note = f"hard/soft mixture law, {100 * v_h:.0f} vol% hard, skeleton share S = {S:.2f}"
            P["heckel_intercept"] = derived(A, "", f"effective Heckel A of the {note}")
            P["yield_pressure"] = derived(Py, "MPa", f"effective Heckel P_y of the {note}")
            P["creep_coefficient"] = derived((1 - S) * ps["creep_coefficient"] + S * ph["creep_coefficient"], "",
                                             "(1 - S) c_soft + S c_hard")
            P["compact_modulus"] = derived(float(cp.mixture_modulus(v_h, ps["compact_modulus"], ph["compact_modulus"])),
                                           "GPa", "1/M = (1 - S) v_s / M_s + S / M_h")
        P["contact_hardness"] = derived(1.0 / sum(v[m] / vp / comps[m].contact_hardness for m in powders), "MPa",
                                        "harmonic mean of the components' contact hardness")
        P["crack_pressure"] = derived(min(comps[m]["crack_pressure"] for m in powders if v[m] > 0.05), "MPa", "lowest")
        P["particle_size"] = derived(max(comps[m]["particle_size"] for m in powders), "um", "coarsest")
        ses = [m for m in mats if comps[m].kind == "solid_electrolyte"]
        kind = "cathode_active" if any(comps[m].kind == "cathode_active" for m in mats) else comps[powders[0]].kind
        network = None
        if ses:
            v_se = sum(v[m] for m in ses)
            se = max(ses, key=lambda m: v[m])
            sigma = sum(v[m] * comps[m]["ionic_conductivity"] for m in ses) / v_se
            P["ionic_conductivity"] = derived(sigma, "mS/cm", "conductivity of its SE in the composite (the kernel "
                                              "applies the SE-network percolation factor)")
            for key in ("activation_energy", "conductivity_exponent", "relative_permittivity"):
                P[key] = comps[se].params[key]
            for key in ("contact_exponent", "contact_saturation", "residual_contact", "contact_retention",
                        "overpress_onset", "overpress_scale"):  # issue 12/23: the SE's grain contacts
                if key in comps[se].params:
                    P[key] = comps[se].params[key]
            # the threshold sits at the same fraction of the fill density 1 - exp(-A) as in the SE alone
            fill_se = -math.expm1(-comps[se]["heckel_intercept"])
            fill = -math.expm1(-P["heckel_intercept"].value)
            P["percolation_density"] = derived(min(comps[se]["percolation_density"] * fill / fill_se, 0.95), "",
                                               "SE threshold scaled by the fill densities")
            v_cam = sum(v[m] for m in hard)
            d_se = se_d50 or sum(v[m] * comps[m]["particle_size"] for m in ses) / v_se
            d_cam = cam_d50 or (sum(v[m] * comps[m]["particle_size"] for m in hard) / v_cam if hard else d_se)
            sigma_cam = sum(v[m] * comps[m].get("active_ionic_conductivity", tr.ACTIVE_IONIC_DEFAULT)
                            for m in hard) / v_cam if hard else 0.0
            network = {"se_fraction": v_se / vp, "size_ratio": d_cam / d_se if d_se > 0 else 1.0,
                       "cam_d50": d_cam, "se_d50": d_se,
                       "floor_conductivity": float(tr.floor_conductivity(v_cam / vp, sigma_cam))}
        actives = [m for m in mats if "interface_asr" in comps[m].params]
        if actives:
            a = max(actives, key=lambda m: v[m])
            P["interface_asr"] = comps[a].params["interface_asr"]
            P["interface_capacitance"] = comps[a].params["interface_capacitance"]
        label = " / ".join(f"{m} {100 * w:.0f}" for m, w in mats.items())
        return Material(id=label, name=name, kind=kind, params=P, components=v, network=network)

    def for_layer(self, layer) -> Material:
        if layer.composition is not None:
            return self.composite(layer.composition, name=layer.name, cam_d50=layer.cam_d50, se_d50=layer.se_d50)
        return self.get(layer.material)


#: The table of a materials file that says whose pellets its bands are for (not a material: it has no ``kind``).
LABORATORY = "laboratory"
#: [laboratory] fields: name -> (allowed range or kind, meaning). Logs in ln of the conductivity.
LABORATORY_FIELDS = {
    "name": ("1 to 120 characters", "who pressed the pellets, e.g. 'this laboratory, lot T'"),
    "lot": ("1 to 80 characters", "the powder lot"),
    "shift": ((-3, 3), "ln of the laboratory's conductivity level over the library's nominal prediction"),
    "sd": ((0, 3), "uncertainty of that level, ln (above 0)"),
    "n_pellets": ((0, 1_000_000), "pellets the level was measured on"),
    "scatter": ((0, 3), "a pellet's scatter about the model in this laboratory, ln"),
    "calibrated": ("material names of this file", "materials whose conductivity was fitted to these pellets (their "
                                                   "value already holds the shift)"),
}


def _is_laboratory(entry) -> bool:
    return isinstance(entry, dict) and "kind" not in entry


def parse_laboratory(table, where: str = LABORATORY, materials=()):
    """A materials file's [laboratory] table (LABORATORY_FIELDS; name, shift and sd required) as a
    ``pressbook.bands.Laboratory``; ``materials``: the file's material names (``calibrated`` must be among them).
    Raises MaterialDataError naming the field, the value and what is allowed."""
    from .bands import Laboratory  # noqa: PLC0415 - bands imports this module

    if not isinstance(table, dict):
        raise MaterialDataError(f"{where}: expected a table")
    unknown = [k for k in table if k not in LABORATORY_FIELDS]
    if unknown:
        raise MaterialDataError(f"{where}.{unknown[0]}: unknown field; allowed: {', '.join(LABORATORY_FIELDS)}")
    missing = [k for k in ("name", "shift", "sd") if k not in table]
    if missing:
        raise MaterialDataError(f"{where}: missing field(s) {', '.join(missing)}; allowed: "
                                + "; ".join(f"{k} ({LABORATORY_FIELDS[k][1]})" for k in missing))
    out = {}
    for key in ("name", "lot"):
        if key in table:
            out[key] = clean_text(table[key], f"{where}.{key}", 120 if key == "name" else 80, allow_empty=False)
    for key in ("shift", "sd", "scatter", "n_pellets"):
        if key not in table:
            continue
        v, (lo, hi) = table[key], LABORATORY_FIELDS[key][0]
        whole = key == "n_pellets"
        ok = not isinstance(v, bool) and isinstance(v, int if whole else (int, float)) and math.isfinite(v)
        if not ok or not lo <= v <= hi or (key in ("sd", "scatter") and v <= 0):
            kind = "a whole number" if whole else "a number"
            above = " above 0" if key in ("sd", "scatter") else ""
            raise MaterialDataError(f"{where}.{key}: got {v!r}; allowed: {kind} from {lo} to {hi}{above} "
                                    f"({LABORATORY_FIELDS[key][1]})")
        out[key] = int(v) if whole else float(v)
    calibrated = table.get("calibrated", [])
    if not isinstance(calibrated, list) or any(c not in materials for c in calibrated):
        raise MaterialDataError(f"{where}.calibrated: got {calibrated!r}; allowed: a list of this file's materials ("
                                + (", ".join(materials) or "none") + ")")
    return Laboratory(**out, calibrated=tuple(calibrated))


def _norm(name: str) -> str:
    return "".join(name.split()).lower()


@lru_cache(maxsize=1)
def default_library() -> Library:
    """The packaged library (cached). Raise MaterialDataError naming file and key on a bad entry."""
    src_text = resources.files("pressbook.data").joinpath("sources.toml").read_text(encoding="utf-8")
    sources = tomllib.loads(src_text)
    for key, entry in sources.items():
        if not isinstance(entry, dict) or not str(entry.get("doi", "")).startswith("10."):
            raise MaterialDataError(f"sources.toml [{key}].doi: expected a DOI starting with '10.'")
    lib = Library(sources)
    lib.add_toml(resources.files("pressbook.data").joinpath("materials.toml").read_text(encoding="utf-8"),
                 origin="materials.toml")
    return lib


def load_user_materials(path_or_text, library: Library | None = None) -> Library:
    """A copy of the library with a user's materials added (from a TOML file path, TOML text or a dict)."""
    import copy
    from pathlib import Path

    lib = copy.deepcopy(library or default_library())
    if isinstance(path_or_text, dict):
        lib.add_dict(path_or_text, origin="user materials", yours=True)
        return lib
    text = str(path_or_text)
    origin = "user materials"
    if "\n" not in text and text.endswith(".toml"):
        origin = text
        try:
            text = read_file_bytes(Path(text), "materials file").decode("utf-8")
        except DesignFileError as exc:
            raise MaterialDataError(str(exc)) from None
        except UnicodeDecodeError:
            raise MaterialDataError(f"{origin}: not UTF-8 text; allowed: a materials TOML file") from None
    lib.add_toml(text, origin=origin, yours=True)
    return lib
