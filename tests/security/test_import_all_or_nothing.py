"""Importing a pellet-log package is all or nothing, raw-file names cannot escape, and the exported CSV runs
no formula (issue 27, item 7).

Before: a 3-pellet package whose 2nd pellet had a malformed history entry wrote 1 of 3 pellets and then
failed; a raw file named ``../../../../outside.sh`` was accepted (and became a zip entry of the next
export); ``=HYPERLINK(...)`` went verbatim into pellets.csv.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile

import pytest
from test_lablog_exchange import _edit

from pressbook import presets
from pressbook.lab.lablog import open_log
from pressbook.lab.lablog.exchange import PackageError, export_package, import_package
from pressbook.lab.lablog.store import LogError


@pytest.fixture(scope="module")
def three(tmp_path_factory):
    """A package of 3 pellets (lots L-1, L-2, L-3) from another lab's log, each with a raw file."""
    a = open_log(tmp_path_factory.mktemp("lab-a") / "a.sqlite", user="ana")
    for i in (1, 2, 3):
        rec = a.add(presets.three_step(), lot=f"L-{i}")
        a.attach(rec["uid"], "eis.csv", f"{i},2,3".encode())
    return export_package(a)


def _entries(change):
    """A pellets.json editor: ``change(entries)`` edits the parsed list in place."""
    def edit(data):
        entries = json.loads(data)
        change(entries)
        return json.dumps(entries).encode()
    return edit


@pytest.mark.parametrize("history, words", [
    ({"version": "two"}, "version: got 'two'; allowed: a whole number"),
    ({"at": None}, "at: missing"),
    ({"who": "x" * 101}, "allowed: text of at most 100 characters"),
    ({"changes": "all"}, "changes: got 'all'; allowed: a JSON object or list"),
    ({"action": "rewrite"}, "allowed: action one of create"),
    ({"changes": {"thickness_um": [1.0, float("nan")]}}, "without NaN"),
])
def test_a_malformed_history_entry_in_the_2nd_pellet_writes_none_of_3(three, tmp_path, history, words):
    package = _edit(three, "pellets.json", _entries(lambda e: e[1]["history"][0].update(history)))
    b = open_log(tmp_path / "b.sqlite", user="bo")
    with pytest.raises(PackageError, match=r"^other\.zip, pellets\.json\[1\]\.history\[0\]") as err:
        import_package(b, package, source="other.zip")
    assert words in str(err.value)
    assert b.count(include_deleted=True) == 0


@pytest.mark.parametrize("field, value, words", [
    ("pressure_MPa", float("nan"), "pressure_MPa: got"),
    ("temperature_C", 1e9, "record.temperature_C"),
    ("pred_density", 3.0, "allowed: 0 to 1"),
    ("owner", "o" * 101, "owner: got"),
    ("uid", "../../x", "allowed: a UUID"),
    ("predicted", {"separator": {"relative_density": float("inf")}}, "predicted: got"),
    ("version", True, "version: got True"),
])
def test_every_column_is_checked_before_anything_is_written(three, tmp_path, field, value, words):
    package = _edit(three, "pellets.json", _entries(lambda e: e[2]["record"].update({field: value})))
    b = open_log(tmp_path / "b.sqlite", user="bo")
    with pytest.raises(PackageError, match=r"pellets\.json\[2\]") as err:
        import_package(b, package)
    assert words in str(err.value)
    assert b.count(include_deleted=True) == 0


def test_a_database_failure_in_the_2nd_pellet_writes_none_of_3(three, tmp_path):
    """The whole package goes in one transaction: a refusal by the database itself part-way rolls back."""
    import sqlalchemy

    b = open_log(tmp_path / "b.sqlite", user="bo")
    with b.engine.begin() as conn:
        conn.execute(sqlalchemy.text("CREATE TRIGGER refuse_l2 BEFORE INSERT ON pellets WHEN NEW.lot = 'L-2' "
                                     "BEGIN SELECT RAISE(ABORT, 'no L-2 here'); END"))
    with pytest.raises(LogError, match="nothing was imported"):
        import_package(b, three, source="other.zip")
    assert b.count(include_deleted=True) == 0
    with b.engine.begin() as conn:
        conn.execute(sqlalchemy.text("DROP TRIGGER refuse_l2"))
    assert import_package(b, three) == {"added": 3, "skipped": 0}


def _with_raw_name(package: bytes, name: str) -> bytes:
    """The package with the 1st pellet's raw file renamed ``name`` (its zip entry moved to the path the
    exporter would write, hash kept right)."""
    src = zipfile.ZipFile(io.BytesIO(package))
    entries = json.loads(src.read("pellets.json"))
    meta = entries[0]["raw_files"][0]
    content = src.read(meta["path"])
    meta.update(name=name, path=f"raw/{entries[0]['record']['uid']}/{name}",
                sha256=hashlib.sha256(content).hexdigest())
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for item in src.namelist():
            if item == "pellets.json":
                dst.writestr(item, json.dumps(entries))
            elif not item.startswith("raw/"):
                dst.writestr(item, src.read(item))
        for entry in entries:
            for m in entry["raw_files"]:
                dst.writestr(m["path"], content if m is meta else src.read(
                    f"raw/{entry['record']['uid']}/{m['name']}"))
    return out.getvalue()


@pytest.mark.parametrize("name", ["../../../../outside.sh", "/etc/cron.d/job", "..", "sub\\..\\x.sh", "a\x00b"])
def test_a_zip_slip_raw_file_name_is_refused_by_name(three, tmp_path, name):
    b = open_log(tmp_path / "b.sqlite", user="bo")
    with pytest.raises(PackageError) as err:
        import_package(b, _with_raw_name(three, name), source="other.zip")
    message = str(err.value)
    assert "raw_files[0]" in message and (f"'{name}'" in message or repr(name) in message), message
    assert "no folders" in message
    assert b.count(include_deleted=True) == 0


def test_a_plain_raw_file_name_still_imports(three, tmp_path):
    b = open_log(tmp_path / "b.sqlite", user="bo")
    assert import_package(b, _with_raw_name(three, "spectrum 2 (final).csv"))["added"] == 3


FORMULAS = {"lot": '=HYPERLINK("http://evil.example","click")', "supplier": "+cmd|' /C calc'!A0",
            "milling": "@SUM(1+1)", "die": "-2+3+cmd|' /C calc'!A0", "notes": "\t=1+1", "press": "\r=1"}


def test_formula_cells_are_neutralised_in_the_exported_csv(tmp_path):
    a = open_log(tmp_path / "a.sqlite", user="ana")
    a.add(presets.three_step(), thickness_um=600.0, conductivity_temperature_C=-40.0, **FORMULAS)
    with zipfile.ZipFile(io.BytesIO(export_package(a))) as zf:
        [row] = list(csv.DictReader(io.StringIO(zf.read("pellets.csv").decode())))
        [entry] = json.loads(zf.read("pellets.json"))
    for field, value in FORMULAS.items():
        stored = entry["record"][field]  # the record itself keeps the text as entered (stripped)
        assert row[field] == "'" + stored, (field, row[field])
        assert stored.lstrip("\t\r")[:1] in "=+-@" and stored
    assert row["thickness_um"] == "600.0" and row["conductivity_temperature_C"] == "-40.0"  # numbers stay numbers
