"""What a pellet record holds: its fields (unit, range, meaning), their validation, and the prediction.

Every value a person enters goes through ``clean``: numbers in the field's unit or quantity text with any
unit of the right dimension ("0.48 mm" for a thickness in um), checked against the field's range; a bad
value raises InvalidInputError naming the field, the value and what is allowed. ``predict`` simulates the
design once and keeps what the model said about the layer made of the logged powder, with the pressbook
version and the materials library version (a hash of the library's TOML).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import math
from dataclasses import dataclass
from importlib import resources

from ...design import Design
from ...errors import InvalidInputError
from ...materials import default_library
from ...simulate import simulate
from ...units import to_magnitude


@dataclass(frozen=True)
class Field:
    name: str
    kind: str            # text | date | quantity | int | bool | json | meta | prediction
    meaning: str
    unit: str = ""       # quantity fields: the stored unit
    lo: float = -math.inf
    hi: float = math.inf
    size: int = 0        # text fields: most characters


_F = Field
#: every field of a pellet record in export order (the export's documented schema is built from this table)
FIELDS = (
    _F("uid", "meta", "unique id of the record (UUID), the same in every lab that imports it"),
    _F("version", "meta", "record version: 1 when logged, +1 for each change (optimistic concurrency)"),
    _F("owner", "meta", "who logged the record (JupyterHub user or OS user); only the owner or an admin edits it"),
    _F("created_at", "meta", "when the record was logged (ISO 8601, UTC)"),
    _F("updated_at", "meta", "when the record was last changed (ISO 8601, UTC)"),
    _F("deleted_at", "meta", "when the record was deleted (empty: not deleted); deleted records can be restored"),
    _F("deleted_by", "meta", "who deleted the record"),
    _F("title", "text", "the design's title or a name for the pellet", size=200),
    _F("design_toml", "meta", "the design file (pressbook design TOML) as planned"),
    _F("press", "text", "the press used (make, model, lab name)", size=100),
    _F("die", "text", "the die used (diameter, lab name)", size=100),
    _F("operator", "text", "who pressed the pellet", size=100),
    _F("pressed_on", "date", "the day the pellet was pressed (YYYY-MM-DD)"),
    _F("material", "text", "the logged powder's material (a library id, e.g. Li6PS5Cl)", size=80),
    _F("supplier", "text", "who made or sold the powder", size=100),
    _F("lot", "text", "the powder lot or batch", size=100),
    _F("milling", "text", "how the powder was milled (mill, speed, time, media)", size=200),
    _F("glovebox", "json", "glovebox conditions, e.g. {\"o2_ppm\": 0.3, \"h2o_ppm\": 0.1}"),
    _F("subject_layer", "prediction", "the design's layer made of the logged powder"),
    _F("pressure_MPa", "prediction", "highest nominal pressure applied to that layer", "MPa"),
    _F("hold_s", "prediction", "hold time of that pressing step", "s"),
    _F("temperature_C", "prediction", "temperature of that pressing step", "degC"),
    _F("predicted", "prediction", "the model's prediction: per layer relative_density, ejected_density, "
                                  "thickness_um, ionic_conductivity_mS_cm; impedance circuit, parameters, total_asr; risks; "
                                  "uncertainty (5-95 % ranges with a manual press's tolerances)"),
    _F("pred_density", "prediction", "predicted relative density of the layer after ejection"),
    _F("pred_density_lo", "prediction", "the model's 5th percentile of that density (empty: not computed)"),
    _F("pred_density_hi", "prediction", "the model's 95th percentile of that density (empty: not computed)"),
    _F("pred_conductivity_mS_cm", "prediction", "predicted ionic conductivity of the layer", "mS/cm"),
    _F("pred_thickness_um", "prediction", "predicted thickness of the layer in the cell", "um"),
    _F("pressbook_version", "prediction", "pressbook version that made the prediction"),
    _F("library_version", "prediction", "materials library version (first 16 hex of the SHA-256 of materials.toml)"),
    _F("masses_mg", "json", "weighed mass of each layer, {layer name: mg}"),
    _F("thickness_steps_um", "json", "pellet thickness after each pressing step, um (list)"),
    _F("thickness_um", "quantity", "final pellet thickness", "um", 1.0, 20000.0),
    _F("ejected_density", "quantity", "relative density of the layer after ejection (0-1)", "", 0.2, 1.0),
    _F("conductivity_mS_cm", "quantity", "measured ionic conductivity of the layer", "mS/cm", 1e-7, 100.0),
    _F("conductivity_temperature_C", "quantity", "temperature of the conductivity measurement", "degC", -60.0, 300.0),
    _F("stack_pressure_MPa", "quantity", "stack pressure during the conductivity measurement", "MPa", 0.0, 1000.0),
    _F("cracked", "bool", "the pellet cracked"),
    _F("delaminated", "bool", "a layer delaminated"),
    _F("shorted", "bool", "the cell short-circuited"),
    _F("cycles_to_short", "int", "cycles until the short (empty: did not short or not cycled)", "", 0, 10_000_000),
    _F("notes", "text", "free notes", size=20000),
)
FIELD = {f.name: f for f in FIELDS}
#: fields a person may set or change (the rest are set by the log)
EDITABLE = tuple(f.name for f in FIELDS if f.kind in ("text", "date", "quantity", "int", "bool", "json"))
MEASURED = ("masses_mg", "thickness_steps_um", "thickness_um", "ejected_density", "conductivity_mS_cm",
            "conductivity_temperature_C", "stack_pressure_MPa", "cracked", "delaminated", "shorted",
            "cycles_to_short", "notes")
IDENTIFYING = ("owner", "operator", "deleted_by")


def _range_text(f: Field) -> str:
    unit = f" {f.unit}" if f.unit else ""
    return f"{f.lo:g} to {f.hi:g}{unit}"


def clean(name: str, value):
    """The stored form of one editable field's value; InvalidInputError names field, value and what is allowed."""
    f = FIELD.get(name)
    if f is None or name not in EDITABLE:
        raise InvalidInputError("field", name, "one of " + ", ".join(EDITABLE))
    if value is None or (isinstance(value, str) and not value.strip() and f.kind not in ("text",)):
        if f.kind in ("text",):
            return ""
        if f.kind == "date":
            raise InvalidInputError(name, value, "a date YYYY-MM-DD")
        if f.kind == "json":
            return [] if name == "thickness_steps_um" else {}
        return None
    if f.kind == "text":
        if not isinstance(value, str):
            raise InvalidInputError(name, value, "text")
        text = value.strip() if name != "notes" else value
        if len(text) > f.size:
            raise InvalidInputError(name, text[:40] + "...", f"at most {f.size} characters")
        if any(ord(c) < 32 and c not in "\t\n\r" for c in text):
            raise InvalidInputError(name, text, "printable text")
        return text
    if f.kind == "date":
        if isinstance(value, dt.datetime):
            value = value.date()
        if isinstance(value, dt.date):
            return value.isoformat()
        try:
            return dt.date.fromisoformat(str(value).strip()).isoformat()
        except ValueError:
            raise InvalidInputError(name, value, "a date YYYY-MM-DD") from None
    if f.kind == "bool":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("yes", "true", "1", "y"):
            return True
        if text in ("no", "false", "0", "n"):
            return False
        raise InvalidInputError(name, value, "yes or no (true/false), or empty for not known")
    if f.kind == "int":
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise InvalidInputError(name, value, f"a whole number, {_range_text(f)}") from None
        if not (number.is_integer() and f.lo <= number <= f.hi):
            raise InvalidInputError(name, value, f"a whole number, {_range_text(f)}")
        return int(number)
    if f.kind == "quantity":
        return _quantity(f, value)
    if name == "glovebox":
        return _glovebox(value)
    if name == "masses_mg":
        if not isinstance(value, dict) or len(value) > 20:
            raise InvalidInputError(name, value, "{layer name: mass}, at most 20 layers")
        return {str(k)[:60]: _quantity(Field(f"masses_mg.{k}", "quantity", "", "mg", 0.01, 10000.0), v)
                for k, v in value.items()}
    if name == "thickness_steps_um":
        if not isinstance(value, (list, tuple)) or len(value) > 20:
            raise InvalidInputError(name, value, "a list of thicknesses, one per step, at most 20")
        return [_quantity(Field(f"thickness_steps_um[{i}]", "quantity", "", "um", 1.0, 20000.0), v)
                for i, v in enumerate(value)]
    raise InvalidInputError(name, value, "a value")  # pragma: no cover - every kind is handled above


def _quantity(f: Field, value) -> float:
    unit = f.unit or "dimensionless"
    if isinstance(value, str) and f.name == "ejected_density" and value.strip().endswith("%"):
        value = value.strip()[:-1] + " percent"
    x = to_magnitude(value, unit, f.name)
    if not (math.isfinite(x) and f.lo <= x <= f.hi):
        hint = " (a fraction: write '92 %' for a percentage)" if f.name == "ejected_density" and x > 1 else ""
        raise InvalidInputError(f.name, value, _range_text(f) + hint)
    return x


def _glovebox(value) -> dict:
    allowed = {"o2_ppm": 1000.0, "h2o_ppm": 1000.0, "dew_point_C": 50.0}
    if not isinstance(value, dict):
        raise InvalidInputError("glovebox", value, "{o2_ppm: number, h2o_ppm: number, dew_point_C: number}")
    out = {}
    for k, v in value.items():
        if k not in allowed:
            raise InvalidInputError(f"glovebox.{k}", v, "keys " + ", ".join(allowed))
        if v is None or v == "":
            continue
        try:
            x = float(v)
        except (TypeError, ValueError):
            raise InvalidInputError(f"glovebox.{k}", v, "a number") from None
        lo = -100.0 if k == "dew_point_C" else 0.0
        if not (math.isfinite(x) and lo <= x <= allowed[k]):
            raise InvalidInputError(f"glovebox.{k}", v, f"{lo:g} to {allowed[k]:g}")
        out[k] = x
    return out


def library_version() -> str:
    """First 16 hex digits of the SHA-256 of the packaged materials.toml."""
    text = resources.files("pressbook.data").joinpath("materials.toml").read_bytes()
    return hashlib.sha256(text).hexdigest()[:16]


def subject_layer(design: Design, material: str | None, library=None) -> tuple[str, str]:
    """(layer name, canonical material id) of the design's first layer made of ``material`` (default: the
    separator's material)."""
    lib = library or default_library()
    single = [l for l in design.layers if l.material]
    if material is None or (isinstance(material, str) and not material.strip()):
        sep = next((l for l in single if l.role == "separator"), None)
        if sep is None:
            raise InvalidInputError("material", material, "the logged powder's material (this design has no "
                                    "single-material separator)")
        return sep.name, lib.get(sep.material).id
    mid = lib.get(material, field="material").id
    for layer in single:
        if lib.get(layer.material).id == mid:
            return layer.name, mid
    names = sorted({lib.get(l.material).id for l in single})
    raise InvalidInputError("material", material, "the material of a single-material layer of this design: "
                            + ", ".join(names))


#: The press whose tolerances a logged pellet's bands include (pressbook.tolerances: a pellet is pressed by hand
#: unless the lab says otherwise).
LOG_PRESS = "manual"


def prediction_interval(outcome, layer: str) -> dict:
    """The model's 5-95 % range of the layer's ejected relative density and ionic conductivity, from the outcome's
    bands (pressbook.bands with the manual press's tolerances: the posterior, a new laboratory, the model errors,
    the pressure, hold and mass scatter). The bands give the density in the cell; the ejected density's range is
    that relative range carried to the predicted ejected density (springback held at its nominal fraction: an
    estimate). Returns {} when the outcome has no bands (the record is logged without them)."""
    b = outcome.bands
    if b is None or layer not in b.layers:
        return {}
    nominal = outcome.layer(layer).relative_density
    dense = b.layers[layer]["relative_density"]
    sigma = b.layers[layer].get("ionic_conductivity")
    return {"press": b.tolerances, "samples": int(b.n_draws), "quantiles": [5, 95], "source": "bands",
            "density_ratio": [_num(v / nominal) for v in dense] if nominal else None,
            "ionic_conductivity_mS_cm": [_num(v) for v in sigma] if sigma else None}


def predict(design: Design, material: str | None = None, library=None) -> dict:
    """The record's prediction fields for ``design``: the subject layer, its pressing and what the model says."""
    from ... import __version__

    lib = library or default_library()
    try:
        outcome = simulate(design, lib, bands=True, tolerances=LOG_PRESS)
    except Exception:  # noqa: BLE001 - the bands are optional: the prediction itself is kept
        outcome = simulate(design, lib)
    name, mid = subject_layer(design, material, lib)
    added = next(i for i, s in enumerate(design.steps) if name in s.add)
    step = max(design.steps[added:], key=lambda s: s.pressure)
    layer = outcome.layer(name)
    imp = outcome.impedance
    predicted = {
        "layers": {l.name: {"material": l.material, "relative_density": _num(l.relative_density),
                            "ejected_density": _num(l.ejected_density), "thickness_um": _num(l.thickness),
                            "ionic_conductivity_mS_cm": _num(l.ionic_conductivity)} for l in outcome.layers},
        "impedance": {"circuit": imp.circuit, "parameters": [_num(p) for p in imp.parameters],
                      "total_asr_ohm_cm2": _num(imp.total_asr)},
        "risks": [{"name": r.name, "subject": r.subject, "level": r.level, "score": _num(r.score),
                   "probability": _num(b.risks.get((r.name, r.subject))) if (b := outcome.bands) else None}
                  for r in outcome.risks],
        # the model that made this prediction (materials digest, joint calibration, posterior)
        "versions": dict(outcome.versions),
    }
    if outcome.bands is not None:  # its 90 % bands for a new laboratory pressing by hand: the layer's conductivity
        b = outcome.bands          # and the cell's total ASR
        predicted["bands"] = {"ionic_conductivity_mS_cm": [_num(v) for v in b.layers[name].get(
                                  "ionic_conductivity", (None, None))],
                              "total_asr_ohm_cm2": [_num(v) for v in b.total_asr],
                              "laboratory": b.laboratory.name, "tolerances": b.tolerances}
    band = prediction_interval(outcome, name)
    density = _num(layer.ejected_density)
    lo = hi = None
    if band.get("density_ratio") and density is not None and None not in band["density_ratio"]:
        lo, hi = (min(1.0, density * x) for x in band["density_ratio"])
        predicted["uncertainty"] = band
    return {"material": mid, "subject_layer": name, "pressure_MPa": float(step.pressure), "hold_s": float(step.hold),
            "temperature_C": float(step.temperature), "predicted": predicted,
            "pred_density": density, "pred_density_lo": lo, "pred_density_hi": hi, "pred_conductivity_mS_cm": _num(layer.ionic_conductivity),
            "pred_thickness_um": _num(layer.thickness), "pressbook_version": __version__,
            "library_version": library_version()}


def predicted_pellet_um(rec: dict) -> float | None:
    """The whole pellet's predicted thickness (µm) after ejection: the sum of the predicted layers' thicknesses
    (the protocol card's pellet height), what ``thickness_um`` measures; None when a layer has none."""
    layers = ((rec.get("predicted") or {}).get("layers") or {}).values()
    values = [l.get("thickness_um") for l in layers]
    return float(sum(values)) if values and None not in values else None


def _num(x):
    """A finite float, or None (JSON has no NaN)."""
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None
