"""Round-robin packages of the pellet log and the `pressbook log` command: lossless round trip (property
test), pseudonyms, bad packages refused before anything is written, the CLI's add, list, export, import."""
from __future__ import annotations

import hashlib
import io
import json
import tempfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pressbook import presets
from pressbook.cli import main
from pressbook.lab.lablog import open_log
from pressbook.lab.lablog.exchange import PackageError, export_package, import_package, read_package
from pressbook.lab.lablog.store import RECORD_COLUMNS

text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=30)
measurements = st.fixed_dictionaries({}, optional={
    "ejected_density": st.floats(0.2, 1.0),
    "thickness_um": st.floats(1.0, 20000.0),
    "conductivity_mS_cm": st.floats(1e-7, 100.0),
    "stack_pressure_MPa": st.floats(0.0, 1000.0),
    "cracked": st.booleans(),
    "cycles_to_short": st.integers(0, 10_000_000),
    "thickness_steps_um": st.lists(st.floats(1.0, 20000.0), max_size=3),
    "masses_mg": st.dictionaries(st.sampled_from(["separator", "cathode"]), st.floats(0.01, 10000.0)),
    "glovebox": st.fixed_dictionaries({"o2_ppm": st.floats(0, 1000), "h2o_ppm": st.floats(0, 1000)}),
    "notes": st.text(st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("\n\t"), max_size=200),
    "lot": text.map(str.strip), "supplier": text.map(str.strip), "milling": text.map(str.strip),
})


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pellets=st.lists(st.tuples(measurements, st.binary(max_size=300), st.booleans()), min_size=1, max_size=3))
def test_export_then_import_is_lossless(pellets):
    with tempfile.TemporaryDirectory() as tmp:
        a = open_log(Path(tmp) / "a.sqlite", user="ana")
        for values, raw, deleted in pellets:
            rec = a.add(presets.three_step(), **values)
            if raw:
                a.attach(rec["uid"], "eis.csv", raw)
            if deleted:
                a.delete(rec["uid"], rec["version"])
        package = export_package(a, include_deleted=True)
        b = open_log(Path(tmp) / "b.sqlite", user="bo")
        assert import_package(b, package) == {"added": len(pellets), "skipped": 0}
        assert b.list(include_deleted=True) == a.list(include_deleted=True)
        for rec in a.list(include_deleted=True):
            assert b.raw_files(rec["uid"]) == a.raw_files(rec["uid"])
            for f in a.raw_files(rec["uid"]):
                assert b.raw_file(rec["uid"], f["name"]) == a.raw_file(rec["uid"], f["name"])
            assert b.history(rec["uid"])[:-1] == a.history(rec["uid"])
            assert b.history(rec["uid"])[-1]["action"] == "import"
        assert import_package(b, package) == {"added": 0, "skipped": len(pellets)}   # twice: no change


def test_the_package_holds_csv_json_schema_and_raw_files(tmp_path):
    log = open_log(tmp_path / "a.sqlite", user="ana")
    rec = log.add(presets.three_step(), operator="Ana Lopez", lot="L1")
    log.attach(rec["uid"], "eis.mpr", b"BIO")
    zf = zipfile.ZipFile(io.BytesIO(export_package(log)))
    assert {"manifest.json", "schema.json", "pellets.json", "pellets.csv", f"raw/{rec['uid']}/eis.mpr"} <= set(zf.namelist())
    assert set(json.loads(zf.read("schema.json"))) == set(RECORD_COLUMNS)
    header = zf.read("pellets.csv").decode().splitlines()[0].split(",")
    assert header == list(RECORD_COLUMNS)
    anon = zipfile.ZipFile(io.BytesIO(export_package(log, identities=False)))
    body = anon.read("pellets.json").decode() + anon.read("pellets.csv").decode()
    assert "Ana Lopez" not in body and "ana" not in json.loads(anon.read("pellets.json"))[0]["record"]["owner"]
    assert json.loads(anon.read("pellets.json"))[0]["record"]["operator"] == "person-2"


def _edit(package: bytes, name: str, change) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(package))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for item in src.namelist():
            data = src.read(item)
            if item == name:
                data = change(data)
            if data is not None:
                dst.writestr(item, data)
    return out.getvalue()


def test_bad_packages_are_refused_with_the_reason_and_nothing_written(tmp_path):
    a = open_log(tmp_path / "a.sqlite", user="ana")
    rec = a.add(presets.three_step())
    a.attach(rec["uid"], "eis.csv", b"1,2,3")
    good = export_package(a)
    b = open_log(tmp_path / "b.sqlite", user="bo")

    def drop_field(data):
        entries = json.loads(data)
        del entries[0]["record"]["ejected_density"]
        return json.dumps(entries)

    def wrong_unit(data):
        entries = json.loads(data)
        entries[0]["record"]["thickness_um"] = "300 MPa"
        return json.dumps(entries)

    cases = [(b"frequency,z\n1,2\n", "not a zip file"),
             (_edit(good, "pellets.json", lambda d: None), "no pellets.json"),
             (_edit(good, "pellets.json", drop_field), "missing fields ejected_density"),
             (_edit(good, "pellets.json", wrong_unit), "thickness_um: got '300 MPa'"),
             (_edit(good, f"raw/{rec['uid']}/eis.csv", lambda d: b"changed"), "does not match its sha256"),
             (_edit(good, "manifest.json", lambda d: d.replace(b'"format_version": 1', b'"format_version": 9')),
              "format_version 9"),
             (b"x" * 100_000_001, "allowed: a package up to 100 MB")]
    for data, words in cases:
        with pytest.raises(PackageError, match=words.replace("(", "\\(")):
            import_package(b, data, source="other.zip")
    assert b.count(include_deleted=True) == 0
    entries, files = read_package(good)
    assert len(entries) == 1 and list(files.values()) == [b"1,2,3"]


def test_the_command_line_adds_lists_exports_and_imports(tmp_path, capsys):
    design = tmp_path / "d.toml"
    design.write_text(presets.three_step().to_toml())
    db, db2, pkg = str(tmp_path / "a.sqlite"), str(tmp_path / "b.sqlite"), str(tmp_path / "lab.zip")
    assert main(["log", "--db", db, "add", str(design), "--lot", "L-7", "--operator", "ana",
                 "--ejected-density", "83 %", "--thickness-um", "0.6 mm"]) == 0
    assert "logged pellet" in capsys.readouterr().out
    assert main(["log", "--db", db, "list", "--lot", "L-7"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and "L-7" in lines[1] and "0.83" in lines[1]
    assert main(["log", "--db", db, "export", pkg, "--anonymous"]) == 0
    assert main(["log", "--db", db2, "import", pkg]) == 0
    assert "imported 1 pellets" in capsys.readouterr().out
    assert main(["log", "--db", db2, "list", "--json"]) == 0
    [rec] = json.loads(capsys.readouterr().out)
    assert rec["operator"] == "person-2" and rec["thickness_um"] == 600
    # bad input: a clear one-line message and status 2, no traceback
    assert main(["log", "--db", db, "add", str(design), "--thickness-um", "300 MPa"]) == 2
    err = capsys.readouterr().err
    assert "thickness_um: got '300 MPa'" in err and "Traceback" not in err
    assert main(["log", "--db", db2, "import", str(design)]) == 2
    assert "not a zip file" in capsys.readouterr().err
    assert main(["log", "--db", db, "add", str(tmp_path / "missing.toml")]) == 2


def test_the_checklist_ticks_what_the_record_holds(tmp_path):
    from pressbook.lab.lablog.checklist import checklist_markdown

    log = open_log(tmp_path / "a.sqlite", user="ana")
    rec = log.add(presets.three_step(), lot="L1", supplier="NEI", glovebox={"o2_ppm": 0.3, "h2o_ppm": 0.1})
    text = checklist_markdown(rec)
    assert "- [x] **Powder material, supplier, lot**: Li6PS5Cl, NEI, L1" in text
    assert "- [x] **Glovebox atmosphere (O2, H2O)**: o2_ppm 0.3, h2o_ppm 0.1" in text
    assert "- [ ] **Ionic conductivity, with temperature and stack pressure**: not recorded" in text
    assert "1: add separator, 300 MPa, 120 s, 25 degC" in text
    rec = log.update(rec["uid"], 1, conductivity_mS_cm=2.1, conductivity_temperature_C=25, stack_pressure_MPa=5)
    assert "- [x] **Ionic conductivity, with temperature and stack pressure**: 2.1 mS/cm at 25 degC under 5 MPa" \
        in checklist_markdown(rec)


def test_photos_travel_in_the_package_and_a_fake_photo_is_refused(tmp_path):
    png = b"\x89PNG\r\n\x1a\n" + bytes(100)
    a = open_log(tmp_path / "a.sqlite", user="ana")
    rec = a.add(presets.three_step(), lot="L1")
    a.attach(rec["uid"], "pellet.png", png, "photo")
    a.attach(rec["uid"], "eis.csv", b"frequency_Hz,z_real_ohm,z_imag_ohm\n", "impedance")
    package = export_package(a)
    zf = zipfile.ZipFile(io.BytesIO(package))
    assert zf.read(f"raw/{rec['uid']}/pellet.png") == png       # one file per raw file of the pellet
    b = open_log(tmp_path / "b.sqlite", user="bo")
    assert import_package(b, package)["added"] == 1
    assert [(f["name"], f["kind"]) for f in b.raw_files(rec["uid"])] == [("pellet.png", "photo"), ("eis.csv", "impedance")]
    assert b.raw_file(rec["uid"], "pellet.png") == png
    # a package whose "photo" is something else (hash made to match) is refused before anything is written
    entries = json.loads(zf.read("pellets.json"))
    fake = b"MZ\x90\x00 not an image"
    entries[0]["raw_files"][0]["sha256"] = hashlib.sha256(fake).hexdigest()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as out:
        for name in zf.namelist():
            data = fake if name.endswith("pellet.png") else zf.read(name)
            out.writestr(name, json.dumps(entries) if name == "pellets.json" else data)
    c = open_log(tmp_path / "c.sqlite", user="cy")
    with pytest.raises(PackageError, match="not a PNG or JPEG image"):
        import_package(c, buf.getvalue())
    assert c.count() == 0


def test_a_package_from_before_the_prediction_range_imports_with_it_empty(tmp_path):
    a = open_log(tmp_path / "a.sqlite", user="ana")
    rec = a.add(presets.three_step(), lot="L1")
    zf = zipfile.ZipFile(io.BytesIO(export_package(a)))
    entries = json.loads(zf.read("pellets.json"))
    for key in ("pred_density_lo", "pred_density_hi"):
        del entries[0]["record"][key]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as out:
        for name in zf.namelist():
            out.writestr(name, json.dumps(entries) if name == "pellets.json" else zf.read(name))
    b = open_log(tmp_path / "b.sqlite", user="bo")
    assert import_package(b, buf.getvalue())["added"] == 1
    got = b.get(rec["uid"])
    assert got["pred_density_lo"] is None and got["pred_density"] == rec["pred_density"]


def test_log_add_records_the_measurement_temperature_and_the_glove_box(tmp_path, capsys):
    """Issue 26: flags for the conductivity's temperature and the glove box's atmosphere; every option of
    `pressbook log add` has its help; a bad atmosphere value names its key."""
    import argparse

    from pressbook.lab.lablog.command import register

    design = tmp_path / "d.toml"
    design.write_text(presets.three_step().to_toml())
    db = str(tmp_path / "a.sqlite")
    assert main(["log", "--db", db, "add", str(design), "--conductivity", "2.1 mS/cm", "--conductivity-temperature",
                 "25 degC", "--stack-pressure", "50 bar", "--thickness", "0.73 mm", "--o2-ppm", "0.3",
                 "--h2o-ppm", "0.1", "--dew-point", "-80"]) == 0
    capsys.readouterr()
    assert main(["log", "--db", db, "list", "--json"]) == 0
    [rec] = json.loads(capsys.readouterr().out)
    assert rec["conductivity_temperature_C"] == 25 and rec["stack_pressure_MPa"] == 5 and rec["thickness_um"] == 730
    assert rec["glovebox"] == {"o2_ppm": 0.3, "h2o_ppm": 0.1, "dew_point_C": -80}
    assert main(["log", "--db", db, "add", str(design), "--o2-ppm", "lots"]) == 2
    assert "glovebox.o2_ppm" in capsys.readouterr().err
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    log = next(a for a in parser._subparsers._group_actions[0].choices["log"]._actions
               if isinstance(a, argparse._SubParsersAction))
    for name, sub in log.choices.items():
        unhelped = [a.option_strings or [a.dest] for a in sub._actions if not a.help]
        assert unhelped == [], (name, unhelped)
