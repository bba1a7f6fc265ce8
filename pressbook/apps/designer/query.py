"""Designs in URL queries, so a link can open the designer on a given scenario.

    ?preset=co-press&steps.1.pressure=450MPa          a preset with changed fields
    ?design=<urlsafe base64>                           a whole design (compact JSON, zlib-compressed or not)

Override keys (1-based indices, stack order for layers):
``title``, ``die.diameter``, ``die.pressing``, ``die.rated_pressure``, ``layers.N.mass``,
``layers.N.thickness``, ``layers.N.cam_d50``, ``layers.N.se_d50`` (a composite's particle sizes),
``layers.N.material`` (a material or a composition, see
``parse_material_text``), ``layers.N.role``, ``steps.N.pressure`` (a pressure, or a load such as
``2.4tf`` or ``23kN`` on the design's die), ``steps.N.hold``, ``steps.N.temperature``,
``steps.N.add`` (comma-separated layer names), ``operation.stack_pressure``, ``operation.temperature``.
Values without a unit are in the default units (MPa, s, degC, mg, um, mm).

Pure text handling: nothing is evaluated. ``design_to_query`` is the inverse: a short query for a
design (a preset plus changed fields when possible, else ``design=...``).
"""
from __future__ import annotations

import base64
import binascii
import json
import re
import zlib
from dataclasses import asdict
from functools import lru_cache
from urllib.parse import parse_qsl, quote

from ...design import D50_FIELDS, Design, check_range
from ...errors import InvalidInputError, PressbookError
from ...inputs import needs_cleaning, texts_in
from ...units import to_magnitude

DEFAULT_PRESET = "three-step"
MAX_QUERY_CHARS = 8000
MAX_JSON_BYTES = 200_000

#: Override key pattern -> (kind for check_range, unit)
_NUMERIC = {
    "die.diameter": ("die.diameter", "mm"),
    "die.rated_pressure": ("die.rated_pressure", "MPa"),
    "layers.N.mass": ("mass", "mg"),
    "layers.N.thickness": ("thickness", "um"),
    "layers.N.cam_d50": ("d50", "um"),
    "layers.N.se_d50": ("d50", "um"),
    "steps.N.pressure": ("pressure", "MPa"),
    "steps.N.hold": ("hold", "s"),
    "steps.N.temperature": ("temperature", "degC"),
    "operation.stack_pressure": ("stack_pressure", "MPa"),
    "operation.temperature": ("temperature", "degC"),
}
_TEXT = ("title", "die.pressing", "layers.N.material", "layers.N.role", "steps.N.add")
KEYS = ("preset", "design") + tuple(_NUMERIC) + _TEXT
_NUMBER_UNIT = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([^\d\s].*)?$")
_COMPONENT = re.compile(r"^\s*(.+?)(?:\s*[:=]\s*|\s+)((?:\d+\.?\d*|\.\d+))\s*(%?)\s*$")


# ----------------------------------------------------------------- materials as text
def parse_material_text(text: str, field: str = "material") -> tuple[str | None, dict | None]:
    """'Li6PS5Cl' -> (material, None); 'NCM811 0.7, Li6PS5Cl 0.3' or 'NCM811:70%, Li6PS5Cl:30%'
    -> (None, {mass fractions}). Names are not checked against the library here."""
    if not isinstance(text, str) or not text.strip() or len(text) > 200:
        raise InvalidInputError(field, text, "a material name or a composition like 'NCM811 0.7, Li6PS5Cl 0.3'")
    parts = [p for p in re.split(r"[,;+]", text) if p.strip()]
    if len(parts) == 1 and not _COMPONENT.match(parts[0]):
        return parts[0].strip(), None
    comp = {}
    for part in parts:
        m = _COMPONENT.match(part)
        if not m:
            raise InvalidInputError(field, text, "a composition like 'NCM811 0.7, Li6PS5Cl 0.3' (mass fractions)")
        value = float(m.group(2)) / (100.0 if m.group(3) else 1.0)
        comp[m.group(1).strip()] = value
    return None, comp


def format_material_text(material: str | None, composition: dict | None) -> str:
    """Inverse of parse_material_text."""
    if composition:
        return ", ".join(f"{k} {v:.4g}" for k, v in composition.items())
    return material or ""


# ----------------------------------------------------------------- whole designs
def encode_design(design: Design) -> str:
    """URL-safe base64 of the zlib-compressed compact JSON design (no padding)."""
    raw = json.dumps(design.to_dict(), separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return base64.urlsafe_b64encode(zlib.compress(raw, 9)).decode("ascii").rstrip("=")


def decode_design(text: str) -> Design:
    """Inverse of encode_design; also accepts base64 of plain JSON. Raises InvalidInputError('design', ...)."""
    return Design.from_json(_design_json(text))


def _design_json(text: str) -> str:
    """The JSON text a ``design=`` value holds (see decode_design)."""
    allowed = "a design encoded by pressbook (URL-safe base64 of JSON)"
    try:
        data = base64.urlsafe_b64decode(text.strip() + "=" * (-len(text.strip()) % 4))
    except (binascii.Error, ValueError):
        raise InvalidInputError("design", _short(text), allowed) from None
    if not data.lstrip().startswith(b"{"):
        try:
            d = zlib.decompressobj()
            data = d.decompress(data, MAX_JSON_BYTES)
            if d.unconsumed_tail:
                raise InvalidInputError("design", "too large", f"at most {MAX_JSON_BYTES} bytes of JSON")
        except zlib.error:
            raise InvalidInputError("design", _short(text), allowed) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInputError("design", _short(text), allowed) from None


def _short(text: str) -> str:
    return text if len(text) <= 40 else text[:37] + "..."


# ----------------------------------------------------------------- parsing a query
def parse_query(query) -> dict:
    """Query string (with or without '?'), dict or None -> {key: value}; the last of repeated keys wins."""
    if query is None:
        return {}
    if isinstance(query, dict):
        return {str(k): (v[-1] if isinstance(v, (list, tuple)) and v else v) for k, v in query.items()}
    if not isinstance(query, str):
        raise InvalidInputError("query", type(query).__name__, "text")
    if len(query) > MAX_QUERY_CHARS:
        raise InvalidInputError("query", f"{len(query)} characters", f"at most {MAX_QUERY_CHARS}")
    return dict(parse_qsl(query.lstrip("?"), keep_blank_values=True))


def design_from_query(query, *, strict: bool = False) -> tuple[Design, list[str]]:
    """The design a link describes, and the problems found (messages naming key, value, allowed).

    A bad ``preset``/``design`` falls back to the default preset; a bad override is skipped; if the
    overrides together make an invalid design, none is applied. ``strict=True`` raises the first problem.
    """
    from ...presets import PRESETS, preset

    problems: list[str] = []

    def fail(exc: PressbookError):
        if strict:
            raise exc
        problems.append(f"link: {exc}")

    try:
        params = parse_query(query)
    except PressbookError as exc:
        fail(exc)
        params = {}
    params = {k: v for k, v in params.items() if not k.startswith("voila")}  # Voila's own, if any
    base = preset(DEFAULT_PRESET)
    texts = [v for k, v in params.items() if k in _TEXT or _pattern(k)[0] in _TEXT]
    if "design" in params:
        try:
            design_json = _design_json(params["design"])
            base = Design.from_json(design_json)
            texts += texts_in(json.loads(design_json))
        except PressbookError as exc:
            fail(exc)
    elif "preset" in params:
        if params["preset"] in PRESETS:
            base = preset(params["preset"])
        else:
            fail(InvalidInputError("preset", params["preset"], ", ".join(PRESETS)))
    if any(needs_cleaning(t) for t in texts):
        problems.append("link: some characters in its texts (names, title) could not be used: invisible or "
                        "control characters were removed and broken ones replaced by \ufffd")
    data = asdict(base)
    applied = False
    for key, value in params.items():
        if key in ("design", "preset"):
            continue
        try:
            _apply(data, key, value)
            applied = True
        except PressbookError as exc:
            fail(exc)
    if not applied:
        return base, problems
    try:
        return Design.from_dict(data), problems
    except PressbookError as exc:
        if strict:
            raise
        problems.append(f"link: its changes together do not make a valid design, so none was applied ({exc})")
        return base, problems


def _pattern(key: str) -> tuple[str, int | None]:
    parts = key.split(".")
    if len(parts) == 3 and parts[0] in ("layers", "steps") and parts[1].isdigit():
        return f"{parts[0]}.N.{parts[2]}", int(parts[1])
    return key, None


def _apply(data: dict, key: str, value: str) -> None:
    """Apply one override to the plain-number design dict ``data`` (asdict form)."""
    pattern, n = _pattern(key)
    if (pattern not in _NUMERIC and pattern not in _TEXT) or (n is None and ".N." in pattern):
        raise InvalidInputError("query key", key, "the keys " + ", ".join(KEYS) + ", with N a layer or step number")
    target = data
    if n is not None:
        items = data[pattern.split(".")[0]]
        if not 1 <= n <= len(items):
            raise InvalidInputError(key, n, f"an index from 1 to {len(items)}")
        target = items[n - 1]
        name = pattern.split(".")[2]
    else:
        section, _, name = key.rpartition(".")
        if section:
            target = data[section]
    if pattern in _NUMERIC:
        kind, unit = _NUMERIC[pattern]
        number = quantity_from_text(value, unit, key, diameter=data["die"]["diameter"])
        check_range(key, number, kind)
        target[name] = number
        if pattern == "layers.N.mass":
            target["thickness"] = None
        elif pattern == "layers.N.thickness":
            target["mass"] = None
    elif pattern == "layers.N.material":
        target["material"], target["composition"] = parse_material_text(value, key)
    elif pattern == "steps.N.add":
        target["add"] = [a.strip() for a in value.split(",") if a.strip()]
    else:
        if not value.strip() or len(value) > 200:
            raise InvalidInputError(key, value, "text of 1 to 200 characters")
        target[name] = value.strip()


def quantity_from_text(text, unit: str, field: str, diameter: float | None = None) -> float:
    """'450MPa', '450 MPa', '2 min', '450' (in ``unit``) -> float in ``unit``.
    For pressures, a load ('2.4tf', '23kN') is converted on a die of ``diameter`` mm."""
    if not isinstance(text, str):
        return to_magnitude(text, unit, field)
    m = _NUMBER_UNIT.match(text)
    if not m:
        raise InvalidInputError(field, text, f"a number with an optional unit, such as '1 {unit}'")
    number, unit_text = m.group(1), (m.group(2) or "").strip()
    if not unit_text:
        return float(number)
    if unit == "MPa" and diameter is not None:
        from ...lab.press import load_to_pressure
        from ...units import Q_, safe_unit

        try:
            load = Q_(float(number), safe_unit(unit_text))  # never pint's own parser: "m**9**9**9" would hang
            if load.check("[force]"):
                return load_to_pressure(load, diameter)
        except PressbookError:
            raise
        except Exception:
            pass
    return to_magnitude(f"{number} {unit_text}", unit, field)


# ----------------------------------------------------------------- design -> query
@lru_cache(maxsize=None)
def _preset_flat(name: str) -> tuple:
    from ...presets import preset

    return tuple(_flatten(preset(name)).items())


def _flatten(design: Design) -> dict:
    """Override keys -> comparable values: the structure ('shape') plus the overridable fields."""
    d = asdict(design)
    flat = {"title": d["title"], "die.diameter": d["die"]["diameter"], "die.pressing": d["die"]["pressing"],
            "die.rated_pressure": d["die"]["rated_pressure"],
            "operation.stack_pressure": d["operation"]["stack_pressure"],
            "operation.temperature": d["operation"]["temperature"],
            "shape": (tuple(l["name"] for l in d["layers"]), len(d["steps"]))}
    for i, l in enumerate(d["layers"], 1):
        flat[f"layers.{i}.role"] = l["role"]
        flat[f"layers.{i}.material"] = format_material_text(l["material"], l["composition"])
        flat[f"layers.{i}.mass"] = l["mass"]
        flat[f"layers.{i}.thickness"] = l["thickness"]
        for key in D50_FIELDS:
            flat[f"layers.{i}.{key}"] = l[key]
    for k, s in enumerate(d["steps"], 1):
        flat[f"steps.{k}.add"] = ",".join(s["add"])
        for f in ("pressure", "hold", "temperature"):
            flat[f"steps.{k}.{f}"] = s[f]
    return flat


def _format_value(key: str, value) -> str:
    if isinstance(value, float):
        unit = _NUMERIC[_pattern(key)[0]][1]
        return f"{value:.10g}{unit}"
    return str(value)


def design_to_query(design: Design, max_overrides: int = 6) -> str:
    """A query string (without '?') that opens ``design``: 'preset=NAME&key=value...' when the design
    is a preset (its title: the preset's own) with at most ``max_overrides`` changed fields, else
    'design=<encoded>'. A design of its own title is never named after a preset it merely resembles."""
    from ...presets import PRESETS

    flat = _flatten(design)
    best = None
    for name in PRESETS:
        ref = dict(_preset_flat(name))
        if ref["shape"] != flat["shape"] or set(ref) != set(flat) or ref["title"] != flat["title"]:
            continue
        diff = [k for k in flat if k != "shape" and flat[k] != ref[k]]
        # a None on our side (mass vs thickness switched, rated pressure removed) cannot be overridden
        if any(flat[k] is None for k in diff):
            continue
        if best is None or len(diff) < len(best[1]):
            best = (name, diff)
    if best is not None and len(best[1]) <= max_overrides:
        parts = [f"preset={quote(best[0])}"]
        parts += [f"{k}={quote(_format_value(k, flat[k]), safe=',')}" for k in best[1]]
        return "&".join(parts)
    return "design=" + encode_design(design)
