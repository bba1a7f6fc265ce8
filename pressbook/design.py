"""What the user chooses: the die, the layers in stack order, the pressing steps and the operation.

A ``Design`` is plain data. It reads and writes the TOML/JSON design format (the public contract)::

    title = "..."
    [die]              diameter = "10 mm"; optional rated_pressure, pressing = "single"|"double",
                       clearance (punch-die radial gap, e.g. "15 um"; default models.mechanics.CLEARANCE_UM)
    [[layers]]         name, role, material | composition (mass fractions), mass | thickness;
                       optional diameter (metal foils cut smaller than the die, e.g. "9 mm"; then the
                       mass is the disc's own, as weighed); optional cam_d50, se_d50 (composite layers
                       of an active material and an SE: particle sizes d50, e.g. "10 um"; default the
                       materials' particle_size)
    [[steps]]          add = [layer names], pressure, hold, optional temperature
    [operation]        stack_pressure, temperature

Layers are listed in stack order from one current collector to the other. Numbers are held in the
default units (mm, MPa, s, degC, mg, um); files may use any pint unit of the right dimension.
"""
from __future__ import annotations

import copy
import json
import math
from dataclasses import dataclass, field

import pint

from .errors import DesignFileError, InvalidInputError, ProtocolError
from .inputs import MAX_FILE_BYTES, clean_text, read_file_bytes
from .units import format_quantity, to_magnitude

try:  # Python >= 3.11
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib
import tomli_w

ROLES = ("cathode", "separator", "anode", "interlayer")
PRESSING_MODES = ("single", "double")

#: Allowed ranges (inclusive) of the numeric fields, in default units.
LIMITS = {
    "die.diameter": (1.0, 100.0, "mm"),
    "die.rated_pressure": (1.0, 5000.0, "MPa"),
    "pressure": (0.01, 3000.0, "MPa"),
    "hold": (0.0, 86400.0, "s"),
    "temperature": (-40.0, 500.0, "degC"),
    "mass": (0.01, 10000.0, "mg"),
    "thickness": (0.1, 20000.0, "um"),
    "stack_pressure": (0.0, 1000.0, "MPa"),
    "die.clearance": (1.0, 500.0, "um"),
    "layer.diameter": (0.5, 100.0, "mm"),
    "d50": (0.1, 100.0, "um"),
}
#: Optional particle-size fields of a composite layer (um): active material's and SE's d50.
D50_FIELDS = ("cam_d50", "se_d50")
MAX_LAYERS = 12
MAX_STEPS = 20
MAX_TITLE_CHARS = 200
MAX_NAME_CHARS = 80


def check_range(field_name: str, value: float, kind: str) -> float:
    """Return ``value`` if finite and inside LIMITS[kind], else raise InvalidInputError naming the field."""
    lo, hi, unit = LIMITS[kind]
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not number or not math.isfinite(value) or not lo <= value <= hi:
        shown = format_quantity(float(value), unit) if number else (
            value if isinstance(value, (str, bool, type(None))) else type(value).__name__)
        raise InvalidInputError(field_name, shown, f"{lo:g} to {hi:g} {unit}")
    return float(value)


def _convert(obj, name: str, unit: str) -> None:
    """Dataclass fields accept a pint Quantity or a string such as "0.3 GPa" too: store the number in ``unit``."""
    value = getattr(obj, name)
    if isinstance(value, (str, pint.Quantity)):
        setattr(obj, name, to_magnitude(value, unit, f"{type(obj).__name__.lower()}.{name}"))


@dataclass
class Die:
    """Cylindrical die. diameter in mm, rated_pressure in MPa (None = unknown), clearance in um: the radial
    gap between punch and die wall (None = the model's default, an estimate)."""

    diameter: float = 10.0
    rated_pressure: float | None = None
    pressing: str = "single"
    clearance: float | None = None

    def __post_init__(self):
        _convert(self, "diameter", "mm")
        _convert(self, "rated_pressure", "MPa")
        _convert(self, "clearance", "um")

    @property
    def area_cm2(self) -> float:
        return math.pi * (self.diameter / 20.0) ** 2


@dataclass
class Layer:
    """One layer. Exactly one of material / composition (mass fractions) and one of mass (mg) / thickness (um)."""

    name: str
    role: str = "separator"
    material: str | None = None
    composition: dict[str, float] | None = None
    mass: float | None = None
    thickness: float | None = None
    diameter: float | None = None  # mm; metal foils cut smaller than the die (None: fills it); mass is the disc's
    cam_d50: float | None = None   # um; composites: active material's d50 (None: its library particle_size)
    se_d50: float | None = None    # um; composites: the SE's d50 (None: its library particle_size)

    def __post_init__(self):
        _convert(self, "mass", "mg")
        _convert(self, "thickness", "um")
        _convert(self, "diameter", "mm")
        _convert(self, "cam_d50", "um")
        _convert(self, "se_d50", "um")


@dataclass
class Step:
    """Add layers to the die, then press the whole stack: pressure in MPa, hold in s, temperature in degC."""

    add: list[str]
    pressure: float
    hold: float = 60.0
    temperature: float = 25.0

    def __post_init__(self):
        if isinstance(self.add, str):
            self.add = [self.add]
        _convert(self, "pressure", "MPa")
        _convert(self, "hold", "s")
        _convert(self, "temperature", "degC")


@dataclass
class Operation:
    """Conditions during use or measurement: stack pressure in MPa, temperature in degC."""

    stack_pressure: float = 5.0
    temperature: float = 25.0

    def __post_init__(self):
        _convert(self, "stack_pressure", "MPa")
        _convert(self, "temperature", "degC")


@dataclass
class Design:
    title: str = ""
    die: Die = field(default_factory=Die)
    layers: list[Layer] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    operation: Operation = field(default_factory=Operation)

    # ------------------------------------------------------------------ helpers
    def layer(self, name: str) -> Layer:
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise InvalidInputError("layer", name, "one of " + ", ".join(l.name for l in self.layers))

    def copy(self) -> "Design":
        return copy.deepcopy(self)

    def validate(self, library=None) -> "Design":
        """Check every field; raise a PressbookError naming the first bad field. Returns self."""
        validate_design(self, library)
        return self

    # ------------------------------------------------------------------ I/O
    def to_dict(self) -> dict:
        """The TOML/JSON structure, quantities written as strings with units."""
        die = {"diameter": format_quantity(self.die.diameter, "mm")}
        if self.die.rated_pressure is not None:
            die["rated_pressure"] = format_quantity(self.die.rated_pressure, "MPa")
        if self.die.pressing != "single":
            die["pressing"] = self.die.pressing
        if self.die.clearance is not None:
            die["clearance"] = format_quantity(self.die.clearance, "um")
        layers = []
        for l in self.layers:
            d = {"name": l.name, "role": l.role}
            if l.material is not None:
                d["material"] = l.material
            if l.composition is not None:
                d["composition"] = dict(l.composition)
            if l.mass is not None:
                d["mass"] = format_quantity(l.mass, "mg")
            if l.thickness is not None:
                d["thickness"] = format_quantity(l.thickness, "um")
            if l.diameter is not None:
                d["diameter"] = format_quantity(l.diameter, "mm")
            for key in D50_FIELDS:
                if getattr(l, key) is not None:
                    d[key] = format_quantity(getattr(l, key), "um")
            layers.append(d)
        steps = []
        for s in self.steps:
            d = {"add": list(s.add), "pressure": format_quantity(s.pressure, "MPa"),
                 "hold": format_quantity(s.hold, "s")}
            if s.temperature != 25.0:
                d["temperature"] = format_quantity(s.temperature, "degC")
            steps.append(d)
        return {
            "title": self.title,
            "die": die,
            "layers": layers,
            "steps": steps,
            "operation": {
                "stack_pressure": format_quantity(self.operation.stack_pressure, "MPa"),
                "temperature": format_quantity(self.operation.temperature, "degC"),
            },
        }

    def to_toml(self) -> str:
        return tomli_w.dumps(self.to_dict())

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: dict, *, validate: bool = True, library=None) -> "Design":
        design = _design_from_dict(data)
        if validate:
            validate_design(design, library)
        return design

    @classmethod
    def from_toml(cls, text: str | bytes, **kw) -> "Design":
        if isinstance(text, bytes):
            if len(text) > MAX_FILE_BYTES:
                raise DesignFileError(f"design file: {len(text)} bytes; allowed: at most {MAX_FILE_BYTES} bytes")
            try:
                text = text.decode("utf-8")
            except UnicodeDecodeError:
                raise DesignFileError("design file: not UTF-8 text; allowed: a TOML design file") from None
        if len(text) > MAX_FILE_BYTES:
            raise DesignFileError(f"design file: {len(text)} characters; allowed: at most {MAX_FILE_BYTES}")
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise DesignFileError(f"design file: not valid TOML ({exc}); allowed: the design format of the README") from None
        except (RecursionError, ValueError) as exc:
            raise DesignFileError(f"design file: unreadable ({type(exc).__name__}); allowed: TOML text") from None
        return cls.from_dict(data, **kw)

    @classmethod
    def from_json(cls, text: str | bytes, **kw) -> "Design":
        if len(text) > MAX_FILE_BYTES:
            raise DesignFileError(f"design file: {len(text)} characters; allowed: at most {MAX_FILE_BYTES}")
        try:
            data = json.loads(text)
        except (ValueError, RecursionError) as exc:
            raise DesignFileError(f"design file: not valid JSON ({str(exc)[:80]}); allowed: the design format of the README") from None
        return cls.from_dict(data, **kw)

    @classmethod
    def load(cls, path, **kw) -> "Design":
        """Read a .toml or .json design file."""
        from pathlib import Path

        p = Path(path)
        raw = read_file_bytes(p, "design file", MAX_FILE_BYTES)
        if p.suffix.lower() == ".json":
            return cls.from_json(raw, **kw)
        return cls.from_toml(raw, **kw)

    def save(self, path) -> None:
        from pathlib import Path

        p = Path(path)
        p.write_text(self.to_json() if p.suffix.lower() == ".json" else self.to_toml(), encoding="utf-8")


# ---------------------------------------------------------------------- parsing
def _expect(data, key, kind, where):
    if not isinstance(data, kind):
        names = {dict: "a table", list: "a list", str: "text"}
        raise InvalidInputError(where, data if not isinstance(data, (dict, list)) else type(data).__name__,
                                names.get(kind, kind.__name__))
    return data


def _known_keys(table: dict, allowed: tuple, where: str) -> None:
    """Refuse keys the format does not have (a misspelt "temprature" must not be silently ignored)."""
    extra = [k for k in table if k not in allowed]
    if extra:
        raise InvalidInputError(f"{where}.{extra[0]}" if where != "design" else "design", extra[0],
                                "the keys " + ", ".join(allowed), "unknown key")


def _design_from_dict(data) -> Design:
    _expect(data, None, dict, "design")
    known = {"title", "die", "layers", "steps", "operation"}
    extra = sorted(set(data) - known)
    if extra:
        raise InvalidInputError("design", extra[0], "the keys " + ", ".join(sorted(known)))
    title = clean_text(data.get("title", ""), "title", MAX_TITLE_CHARS)

    die_d = _expect(data.get("die", {}), None, dict, "die")
    _known_keys(die_d, ("diameter", "rated_pressure", "pressing", "clearance"), "die")
    die = Die(
        diameter=to_magnitude(die_d.get("diameter", 10.0), "mm", "die.diameter"),
        rated_pressure=to_magnitude(die_d.get("rated_pressure"), "MPa", "die.rated_pressure", allow_none=True),
        pressing=die_d.get("pressing", "single"),  # one of PRESSING_MODES or refused, shown escaped
        clearance=to_magnitude(die_d.get("clearance"), "um", "die.clearance", allow_none=True),
    )
    layers = []
    for i, ld in enumerate(_expect(data.get("layers", []), None, list, "layers")):
        where = f"layers.{i + 1}"
        _expect(ld, None, dict, where)
        _known_keys(ld, ("name", "role", "material", "composition", "mass", "thickness", "diameter") + D50_FIELDS, where)
        comp = ld.get("composition")
        if comp is not None:
            _expect(comp, None, dict, f"{where}.composition")
            comp = {_text(k, f"{where}.composition"): _fraction(v, f"{where}.composition.{k}") for k, v in comp.items()}
        layers.append(Layer(
            name=_text(ld.get("name", f"layer{i + 1}"), f"{where}.name"),
            role=_text(ld.get("role", "separator"), f"{where}.role"),
            material=None if ld.get("material") is None else _text(ld.get("material"), f"{where}.material"),
            composition=comp,
            mass=to_magnitude(ld.get("mass"), "mg", f"{where}.mass", allow_none=True),
            thickness=to_magnitude(ld.get("thickness"), "um", f"{where}.thickness", allow_none=True),
            diameter=to_magnitude(ld.get("diameter"), "mm", f"{where}.diameter", allow_none=True),
            **{k: to_magnitude(ld.get(k), "um", f"{where}.{k}", allow_none=True) for k in D50_FIELDS},
        ))
    steps = []
    for i, sd in enumerate(_expect(data.get("steps", []), None, list, "steps")):
        where = f"steps.{i + 1}"
        _expect(sd, None, dict, where)
        _known_keys(sd, ("add", "pressure", "hold", "temperature"), where)
        add = sd.get("add", [])
        if isinstance(add, str):
            add = [add]
        _expect(add, None, list, f"{where}.add")
        steps.append(Step(
            add=[_text(a, f"{where}.add") for a in add],
            pressure=to_magnitude(sd.get("pressure"), "MPa", f"{where}.pressure"),
            hold=to_magnitude(sd.get("hold", 60.0), "s", f"{where}.hold"),
            temperature=to_magnitude(sd.get("temperature", 25.0), "degC", f"{where}.temperature"),
        ))
    op_d = _expect(data.get("operation", {}), None, dict, "operation")
    _known_keys(op_d, ("stack_pressure", "temperature"), "operation")
    op = Operation(
        stack_pressure=to_magnitude(op_d.get("stack_pressure", 5.0), "MPa", "operation.stack_pressure"),
        temperature=to_magnitude(op_d.get("temperature", 25.0), "degC", "operation.temperature"),
    )
    return Design(title=title, die=die, layers=layers, steps=steps, operation=op)


def _text(value, where) -> str:
    """A name (layer, material, role) through the shared normaliser: 1 to MAX_NAME_CHARS characters."""
    if not isinstance(value, str):
        raise InvalidInputError(where, value if isinstance(value, (int, float, bool, type(None))) else type(value).__name__,
                                f"a name of 1 to {MAX_NAME_CHARS} characters")
    return clean_text(value, where, MAX_NAME_CHARS, allow_empty=False)


def _fraction(value, where) -> float:
    # the range test first: math.isfinite of a huge int overflows (found by tests/test_fuzz.py)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 1 or not math.isfinite(value):
        raise InvalidInputError(where, value, "a mass fraction above 0 and at most 1")
    return float(value)


# ---------------------------------------------------------------------- validation
def _check_d50(layer: Layer, where: str, lib) -> None:
    """The optional particle sizes: in range, and only on a composite of an active material and an SE."""
    for key in D50_FIELDS:
        value = getattr(layer, key)
        if value is None:
            continue
        check_range(f"{where}.{key}", value, "d50")
        kinds = {lib.get(m).kind for m in (layer.composition or {})}
        if not {"cathode_active", "solid_electrolyte"} <= kinds:
            raise InvalidInputError(f"{where}.{key}", format_quantity(value, "um"),
                                    "a particle size only on a composite layer of an active material and a solid "
                                    "electrolyte (other layers use their materials' particle_size)")


def validate_design(design: Design, library=None) -> None:
    """Raise the first problem found, as a PressbookError subclass naming field, value and what is allowed."""
    from .materials import default_library

    lib = library or default_library()
    d = design
    check_range("die.diameter", d.die.diameter, "die.diameter")
    if d.die.rated_pressure is not None:
        check_range("die.rated_pressure", d.die.rated_pressure, "die.rated_pressure")
    if d.die.pressing not in PRESSING_MODES:
        raise InvalidInputError("die.pressing", d.die.pressing, " or ".join(PRESSING_MODES))
    if d.die.clearance is not None:
        check_range("die.clearance", d.die.clearance, "die.clearance")
    if not d.layers:
        raise ProtocolError("layers", [], "at least one layer")
    if len(d.layers) > MAX_LAYERS:
        raise InvalidInputError("layers", f"{len(d.layers)} layers", f"at most {MAX_LAYERS}")
    for i, layer in enumerate(d.layers):
        if not isinstance(layer, Layer):
            raise InvalidInputError(f"layers.{i + 1}", type(layer).__name__, "a Layer")
        _text(layer.name, f"layers.{i + 1}.name")
    names = [l.name for l in d.layers]
    for i, layer in enumerate(d.layers):
        where = f"layers.{i + 1} ({layer.name})"
        if names.count(layer.name) > 1:
            raise InvalidInputError(f"{where}.name", layer.name, "a name used by one layer only")
        if layer.role not in ROLES:
            raise InvalidInputError(f"{where}.role", layer.role, ", ".join(ROLES))
        if (layer.material is None) == (layer.composition is None):
            raise InvalidInputError(f"{where}.material", layer.material,
                                    "exactly one of material or composition")
        if layer.composition is not None:
            if not isinstance(layer.composition, dict) or not layer.composition:
                raise InvalidInputError(f"{where}.composition", layer.composition,
                                        "a table of at least one material with its mass fraction")
            seen: dict[str, str] = {}
            for mat, w in layer.composition.items():
                _fraction(w, f"{where}.composition.{mat}")
                m = lib.get(mat, field=f"{where}.composition")
                if m.id in seen:
                    raise InvalidInputError(f"{where}.composition", f"{seen[m.id]} and {mat}",
                                            f"each material once ('{seen[m.id]}' and '{mat}' are both {m.id})")
                if m.is_foil and len(layer.composition) > 1:
                    raise InvalidInputError(f"{where}.composition.{mat}", mat,
                                            "powder materials (a metal foil cannot be mixed into a composite; "
                                            "give it its own layer)")
                seen[m.id] = mat
            total = sum(layer.composition.values())
            if abs(total - 1.0) > 0.005:
                raise InvalidInputError(f"{where}.composition", f"fractions summing to {total:.4g}",
                                        "mass fractions summing to 1 (within 0.005)")
        else:
            lib.get(layer.material, field=f"{where}.material")
        if layer.diameter is not None:
            check_range(f"{where}.diameter", layer.diameter, "layer.diameter")
            if layer.material is None or not lib.get(layer.material).is_foil:
                raise InvalidInputError(f"{where}.diameter", format_quantity(layer.diameter, "mm"),
                                        "no diameter for a powder layer (it fills the die); a diameter only for metal foils")
            if layer.diameter > d.die.diameter:
                raise InvalidInputError(f"{where}.diameter", format_quantity(layer.diameter, "mm"),
                                        f"at most the die diameter {format_quantity(d.die.diameter, 'mm')}")
        _check_d50(layer, where, lib)
        if (layer.mass is None) == (layer.thickness is None):
            raise InvalidInputError(f"{where}.mass", layer.mass, "exactly one of mass or thickness")
        if layer.mass is not None:
            check_range(f"{where}.mass", layer.mass, "mass")
        else:
            check_range(f"{where}.thickness", layer.thickness, "thickness")

    if not d.steps:
        raise ProtocolError("steps", [], "at least one pressing step")
    if len(d.steps) > MAX_STEPS:
        raise InvalidInputError("steps", f"{len(d.steps)} steps", f"at most {MAX_STEPS}")
    in_die: set[int] = set()
    index = {n: i for i, n in enumerate(names)}
    for k, step in enumerate(d.steps):
        where = f"steps.{k + 1}"
        check_range(f"{where}.pressure", step.pressure, "pressure")
        if d.die.rated_pressure is not None and step.pressure > d.die.rated_pressure:
            raise InvalidInputError(f"{where}.pressure", format_quantity(step.pressure, "MPa"),
                                    f"at most the die's rated pressure {format_quantity(d.die.rated_pressure, 'MPa')}")
        check_range(f"{where}.hold", step.hold, "hold")
        check_range(f"{where}.temperature", step.temperature, "temperature")
        if not isinstance(step.add, (list, tuple)):
            raise ProtocolError(f"{where}.add", step.add if isinstance(step.add, str) else type(step.add).__name__,
                                "a list of layer names")
        for name in step.add:
            if not isinstance(name, str):
                raise ProtocolError(f"{where}.add", name if isinstance(name, (int, float)) else type(name).__name__,
                                    "names of layers: " + ", ".join(names))
            if name not in index:
                raise ProtocolError(f"{where}.add", name, "names of layers: " + ", ".join(names))
            if index[name] in in_die:
                raise ProtocolError(f"{where}.add", name, "layers not yet in the die (each layer is added once)")
        if len(set(step.add)) != len(step.add):
            raise ProtocolError(f"{where}.add", step.add, "each layer once")
        new = in_die | {index[n] for n in step.add}
        if not new:
            raise ProtocolError(f"{where}.add", list(step.add),
                                "at least one layer: the die is empty until a step adds a layer")
        if new and max(new) - min(new) + 1 != len(new):
            raise ProtocolError(f"{where}.add", step.add,
                                "layers next to those already in the die (stack order: " + " | ".join(names) + ")")
        if any(d.layers[i].role == "anode" for i in new) and not any(d.layers[i].role == "separator" for i in new):
            if any(d.layers[index[n]].role == "anode" for n in step.add):
                raise ProtocolError(f"{where}.add", step.add,
                                    "an anode pressed only once an electrolyte (separator) layer is in the die")
        in_die = new
    missing = [names[i] for i in range(len(names)) if i not in in_die]
    if missing:
        raise ProtocolError("steps", "no step adding " + ", ".join(missing), "every layer added by some step")
    check_range("operation.stack_pressure", d.operation.stack_pressure, "stack_pressure")
    check_range("operation.temperature", d.operation.temperature, "temperature")
