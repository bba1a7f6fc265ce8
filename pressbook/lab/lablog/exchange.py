"""Round-robin packages: export pellet records to a zip another lab can import, and import one.

A package is a zip file holding

    manifest.json      {"format": "pressbook-pellet-log", "format_version": 1, "pressbook_version",
                        "exported_at", "pellets": n, "identities": true|false}
    schema.json        every field of a record: kind, unit, meaning (records.FIELDS)
    pellets.json       a list of {"record": {...}, "history": [...], "raw_files": [{name, kind, sha256,
                        added_at, added_by, path}]}: the complete records (what import reads)
    pellets.csv        one row per pellet, every field (JSON text for glovebox, predicted, masses_mg,
                        thickness_steps_um): for a spreadsheet
    raw/<uid>/<name>   each pellet's raw data files (impedance files, photos), as uploaded

``identities=False`` replaces the names of people (owner, operator, deleted_by, who in the history,
added_by) with ``person-1``, ``person-2``, ... consistently within the package. Import checks the
package (size, format, fields, file hashes) before writing anything and skips records already present
(same uid), so importing twice changes nothing.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import lzma
import math
import re
import struct
import uuid
import zipfile
import zlib

from sqlalchemy import JSON

from ...design import check_range
from ...errors import InvalidInputError
from ..protocol_card import spreadsheet_safe
from .records import FIELD, FIELDS, IDENTIFYING, clean
from .store import (H, HISTORY_COLUMNS, P, R, RAW_COLUMNS, RAW_KINDS, RECORD_COLUMNS, LogError, PelletLog, check_photo,
                    check_raw_name, now)

FORMAT = "pressbook-pellet-log"
FORMAT_VERSION = 1
MAX_PACKAGE_BYTES = 100_000_000
#: fields added after format version 1 was defined: packages without them are read with them empty
ADDED_FIELDS = ("pred_density_lo", "pred_density_hi")
JSON_FIELDS = tuple(f.name for f in FIELDS if f.kind == "json") + ("predicted",)
HISTORY_ACTIONS = ("create", "update", "delete", "restore", "attach", "import")


#: What a damaged zip or zip member raises besides zipfile.BadZipFile (zlib, lzma, bz2 and struct errors).
ZIP_ERRORS = (zlib.error, lzma.LZMAError, EOFError, OSError, ValueError, struct.error)


class PackageError(LogError, ValueError):
    """A file that is not a usable pellet-log package: what is wrong and what is allowed."""


def schema() -> dict:
    """The documented schema of a record (written into every package as schema.json)."""
    return {f.name: {"kind": f.kind, "unit": f.unit or None, "meaning": f.meaning} for f in FIELDS}


def export_package(log: PelletLog, *, identities: bool = True, include_deleted: bool = False, **filters) -> bytes:
    """The records selected by ``filters`` (see PelletLog.table) as a zip package (bytes)."""
    from ... import __version__

    records = log.list(include_deleted=include_deleted, **filters)
    alias = _Pseudonyms(enabled=not identities)
    entries, buf = [], io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for rec in records:
            rec = alias.record(rec)
            files = []
            for meta in log.raw_files(rec["uid"]):
                path = f"raw/{rec['uid']}/{meta['name']}"
                zf.writestr(path, log.raw_file(rec["uid"], meta["name"]))
                files.append({**{k: meta[k] for k in ("name", "kind", "sha256", "added_at")},
                              "added_by": alias(meta["added_by"]), "path": path})
            history = [{**h, "who": alias(h["who"]), "changes": alias.changes(h["changes"])}
                       for h in log.history(rec["uid"])]
            entries.append({"record": rec, "history": history, "raw_files": files})
        manifest = {"format": FORMAT, "format_version": FORMAT_VERSION, "pressbook_version": __version__,
                    "exported_at": now(), "pellets": len(entries), "identities": identities}
        zf.writestr("manifest.json", json.dumps(manifest, indent=2))
        zf.writestr("schema.json", json.dumps(schema(), indent=2))
        zf.writestr("pellets.json", json.dumps(entries, indent=1))
        zf.writestr("pellets.csv", records_csv([e["record"] for e in entries]))
    return buf.getvalue()


def records_csv(records: list[dict]) -> str:
    """The records as CSV for a spreadsheet (JSON text for nested fields; formula-like text neutralised as the
    designer's protocol card does: protocol_card.spreadsheet_safe)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(RECORD_COLUMNS), lineterminator="\n")
    writer.writeheader()
    for rec in records:
        writer.writerow({k: (json.dumps(rec[k]) if k in JSON_FIELDS else ("" if rec[k] is None else spreadsheet_safe(rec[k])))
                         for k in RECORD_COLUMNS})
    return out.getvalue()


def import_package(log: PelletLog, data: bytes, source: str = "package") -> dict:
    """Add the package's records to ``log``, all in one transaction once the whole package is checked;
    returns {"added": n, "skipped": n (already present)}."""
    entries, files = read_package(data, source)
    added, skipped = log.insert_records([(entry["record"], entry["history"],
                                          [(meta, files[meta["path"]]) for meta in entry["raw_files"]])
                                         for entry in entries], source)
    return {"added": added, "skipped": skipped}


def read_package(data: bytes, source: str = "package") -> tuple[list[dict], dict[str, bytes]]:
    """Check a package completely and return its entries and raw files (path -> bytes)."""
    if not isinstance(data, (bytes, bytearray)):
        raise PackageError(f"{source}: got {type(data).__name__}; allowed: the bytes of a zip package")
    if len(data) > MAX_PACKAGE_BYTES:
        raise PackageError(f"{source}: {len(data) / 1e6:.0f} MB; allowed: a package up to "
                           f"{MAX_PACKAGE_BYTES // 1_000_000} MB (export fewer pellets at a time)")
    try:
        zf = zipfile.ZipFile(io.BytesIO(bytes(data)))
        names = set(zf.namelist())
    except (zipfile.BadZipFile, *ZIP_ERRORS):
        raise PackageError(f"{source}: not a zip file; allowed: a package made by `pressbook log export`") from None
    with zf:
        missing = [n for n in ("manifest.json", "pellets.json") if n not in names]
        if missing:
            raise PackageError(f"{source}: no {', '.join(missing)} in the zip; allowed: a package made by "
                               "`pressbook log export`")
        if sum(i.file_size for i in zf.infolist()) > 4 * MAX_PACKAGE_BYTES:
            raise PackageError(f"{source}: unpacks to more than {4 * MAX_PACKAGE_BYTES // 1_000_000} MB")
        manifest = _json(zf, "manifest.json", source)
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise PackageError(f"{source}: manifest.json format {manifest.get('format') if isinstance(manifest, dict) else None!r}; "
                               f"allowed: {FORMAT!r}")
        if manifest.get("format_version") != FORMAT_VERSION:
            raise PackageError(f"{source}: format_version {manifest.get('format_version')!r}; allowed: "
                               f"{FORMAT_VERSION} (update pressbook to read newer packages)")
        entries = _json(zf, "pellets.json", source)
        if not isinstance(entries, list):
            raise PackageError(f"{source}: pellets.json is not a list of pellets")
        files = {}
        for i, entry in enumerate(entries):
            where = f"{source}, pellets.json[{i}]"
            _check_entry(entry, where)
            for meta in entry["raw_files"]:
                path = meta.get("path")
                if path not in names:
                    raise PackageError(f"{where}: raw file {path!r} is not in the zip")
                content = _member(zf, path, source)
                if hashlib.sha256(content).hexdigest() != meta.get("sha256"):
                    raise PackageError(f"{where}: raw file {path!r} does not match its sha256 (damaged package)")
                if meta.get("kind") == "photo":
                    try:
                        check_photo(meta.get("name", path), content)
                    except InvalidInputError as exc:
                        raise PackageError(f"{where}: {exc}") from None
                files[path] = content
    return entries, files


def _member(zf: zipfile.ZipFile, name: str, source: str) -> bytes:
    """The bytes of the zip member ``name``; PackageError naming it when it is damaged, encrypted or packed
    in a way Python cannot unpack."""
    try:
        return zf.read(name)
    except zipfile.BadZipFile as exc:
        why = f"damaged ({exc})"
    except NotImplementedError as exc:  # an unknown compression method (a RuntimeError: caught first)
        why = f"packed in a way that cannot be read ({exc})"
    except RuntimeError as exc:  # "File ... is encrypted, password required for extraction"
        why = "encrypted" if "encrypted" in str(exc) else f"packed in a way that cannot be read ({exc})"
    except ZIP_ERRORS as exc:
        why = f"damaged ({type(exc).__name__})"
    raise PackageError(f"{source}: the zip member {name!r} is {why}; allowed: a package made by "
                       "`pressbook log export`, not encrypted")


def _json(zf, name, source):
    try:
        return json.loads(_member(zf, name, source).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PackageError(f"{source}: {name} is not valid JSON ({exc})") from None


def _check_entry(entry, where: str) -> None:
    if not isinstance(entry, dict) or not {"record", "history", "raw_files"} <= set(entry):
        raise PackageError(f"{where}: allowed: an object with record, history and raw_files")
    rec = entry["record"]
    if not isinstance(rec, dict):
        raise PackageError(f"{where}.record: allowed: an object with the fields of schema.json")
    for key in ADDED_FIELDS:   # a package written before these fields existed: not known
        rec.setdefault(key, None)
    missing = [k for k in RECORD_COLUMNS if k not in rec]
    if missing:
        raise PackageError(f"{where}.record: missing fields {', '.join(missing[:6])}; allowed: every field of schema.json")
    for key in ("uid", "owner", "design_toml", "material", "subject_layer", "pressbook_version", "library_version",
                "created_at", "updated_at"):
        if not isinstance(rec[key], str) or not rec[key]:
            raise PackageError(f"{where}.record.{key}: got {rec[key]!r}; allowed: non-empty text")
    if not isinstance(rec["version"], int) or rec["version"] < 1:
        raise PackageError(f"{where}.record.version: got {rec['version']!r}; allowed: a whole number >= 1")
    _check_columns(rec, P, RECORD_COLUMNS, f"{where}.record")
    try:
        uuid.UUID(rec["uid"])
        for key, kind in (("pressure_MPa", "pressure"), ("hold_s", "hold"), ("temperature_C", "temperature")):
            check_range(f"record.{key}", rec[key], kind)
    except ValueError as exc:  # InvalidInputError is one
        shown = exc if isinstance(exc, InvalidInputError) else f"record.uid: got {rec['uid']!r}; allowed: a UUID"
        raise PackageError(f"{where}: {shown}") from None
    for key in ("pred_density", "pred_density_lo", "pred_density_hi"):
        if rec[key] is not None and not 0 <= rec[key] <= 1:
            raise PackageError(f"{where}.record.{key}: got {rec[key]!r}; allowed: 0 to 1 (a relative density)")
    for f in FIELDS:  # entered values pass the same checks as when typed in
        if f.kind in ("text", "date", "quantity", "int", "bool", "json") and rec[f.name] not in (None, ""):
            try:
                value = clean(f.name, rec[f.name])
            except InvalidInputError as exc:
                raise PackageError(f"{where}.record: {exc}") from None
            if value != rec[f.name]:
                raise PackageError(f"{where}.record.{f.name}: got {rec[f.name]!r}; allowed: a value in "
                                   f"{FIELD[f.name].unit or 'the stored form'} ({value!r})")
    if not isinstance(entry["history"], list) or not all(
            isinstance(h, dict) and set(HISTORY_COLUMNS) <= set(h) for h in entry["history"]):
        raise PackageError(f"{where}.history: allowed: a list of {{at, who, action, version, changes}}")
    for j, h in enumerate(entry["history"]):
        _check_columns(h, H, HISTORY_COLUMNS, f"{where}.history[{j}]")
        if h["action"] not in HISTORY_ACTIONS or h["version"] < 1 or not all(
                isinstance(pair, list) and len(pair) == 2 for pair in h["changes"].values()):
            raise PackageError(f"{where}.history[{j}]: got {_short(h)}; allowed: action one of "
                               f"{', '.join(HISTORY_ACTIONS)}, version >= 1, changes {{field: [old, new]}}")
    if not isinstance(entry["raw_files"], list) or not all(
            isinstance(m, dict) and {*RAW_COLUMNS, "path"} <= set(m) for m in entry["raw_files"]):
        raise PackageError(f"{where}.raw_files: allowed: a list of {{name, kind, sha256, added_at, added_by, path}}")
    for j, meta in enumerate(entry["raw_files"]):
        _check_columns(meta, R, RAW_COLUMNS, f"{where}.raw_files[{j}]")
        try:  # the name becomes a zip entry of the next export: the same check as attach
            check_raw_name(meta["name"])
        except InvalidInputError as exc:
            raise PackageError(f"{where}.raw_files[{j}]: {exc}") from None
        if meta["kind"] not in RAW_KINDS or not re.fullmatch("[0-9a-f]{64}", meta["sha256"]):
            raise PackageError(f"{where}.raw_files[{j}]: kind {meta['kind']!r}, sha256 {meta['sha256']!r}; "
                               f"allowed: kind one of {', '.join(RAW_KINDS)}, a SHA-256 in hex")


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _check_columns(row: dict, table, names, where: str) -> None:
    """Each of ``names`` in ``row`` fits its column of ``table``: required ones present, text within the
    column's length, numbers finite, whole numbers, yes/no, and JSON objects or lists without NaN."""
    for name in names:
        column, value = table.c[name], row.get(name)
        if value is None:
            if not column.nullable:
                raise PackageError(f"{where}.{name}: missing; allowed: a value (this field is required)")
            continue
        kind = column.type.python_type if not isinstance(column.type, JSON) else (dict, list)
        allowed = {str: "text", float: "a finite number", int: "a whole number", bool: "true or false",
                   (dict, list): "a JSON object or list without NaN"}.get(kind, kind)
        length = getattr(column.type, "length", None)
        fits = (isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
                if kind is float else isinstance(value, kind) and (kind is bool or not isinstance(value, bool)))
        if fits and kind is str and length:
            fits, allowed = len(value) <= length, f"text of at most {length} characters"
        if fits and kind == (dict, list):
            fits = all(math.isfinite(x) for x in _numbers_in(value))
        if not fits:
            raise PackageError(f"{where}.{name}: got {_short(value)}; allowed: {allowed}")


def _numbers_in(data):
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, float):
            yield item
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


class _Pseudonyms:
    """person-1, person-2, ... for the names of people, the same name always the same alias."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.names: dict[str, str] = {}

    def __call__(self, name):
        if not self.enabled or name in (None, ""):
            return name
        return self.names.setdefault(name, f"person-{len(self.names) + 1}")

    def changes(self, changes: dict) -> dict:
        return {k: ([self(v) for v in pair] if k in IDENTIFYING else pair) for k, pair in changes.items()}

    def record(self, rec: dict) -> dict:
        return {**rec, **{k: self(rec[k]) for k in IDENTIFYING}}
