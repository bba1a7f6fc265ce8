"""The pellet log's storage on SQLite and on a throwaway PostgreSQL: schema and migrations, records,
units and ranges, ownership, history, soft delete, optimistic concurrency (concurrent writers)."""
from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from pg_server import db_url, postgres_server, postgres_url  # noqa: F401  (fixtures)
from sqlalchemy import text

from pressbook import presets
from pressbook.errors import InvalidInputError
from pressbook.lab.lablog import ConflictError, NotAllowedError, open_log
from pressbook.lab.lablog.store import make_engine, migrate, schema_revision


def test_open_creates_the_schema_from_an_empty_database(db_url):
    log = open_log(db_url, user="ana")
    assert schema_revision(log.engine) == "0004"
    assert log.count() == 0
    open_log(db_url, user="ana")            # opening again: nothing to do, nothing lost
    assert schema_revision(log.engine) == "0004"


def _without_range(values: dict) -> dict:
    return {k: v for k, v in values.items() if k not in ("pred_density_lo", "pred_density_hi")}


def test_upgrade_from_the_first_schema_keeps_the_records(db_url, tmp_path):
    engine = make_engine(db_url)
    migrate(engine, "0001")
    with engine.connect() as conn:
        tables = set(conn.execute(text("SELECT * FROM pellets WHERE 1=0")).keys())
    assert "ejected_density" in tables and "pred_density_lo" not in tables
    old = open_log(tmp_path / "scratch.sqlite", user="ana").add(presets.three_step(), lot="A1")
    with engine.begin() as conn:   # the record as the first schema held it (no prediction range)
        pellets = sa.Table("pellets", sa.MetaData(), autoload_with=conn)
        conn.execute(pellets.insert().values(**_without_range(old)))
    log = open_log(db_url, user="ana")       # upgrades 0001 -> 0004 (raw files, prediction range, insert-only history)
    assert schema_revision(log.engine) == "0004"
    assert log.get(old["uid"]) == {**old, "pred_density_lo": None, "pred_density_hi": None}
    log.attach(old["uid"], "eis.csv", b"frequency_Hz,z_real_ohm,z_imag_ohm\n")
    assert [f["name"] for f in log.raw_files(old["uid"])] == ["eis.csv"]


def test_a_logged_pellet_keeps_the_design_and_the_prediction(db_url):
    log = open_log(db_url, user="ana")
    design = presets.three_step()
    rec = log.add(design, lot="A1", supplier="NEI", milling="none", glovebox={"o2_ppm": 0.4, "h2o_ppm": 0.1},
                  pressed_on="2026-11-02", die="10 mm #3")
    assert rec["design_toml"] == design.to_toml() and rec["version"] == 1 and rec["owner"] == "ana"
    assert rec["material"] == "Li6PS5Cl" and rec["subject_layer"] == "separator"
    assert rec["pressure_MPa"] == pytest.approx(max(s.pressure for s in design.steps[0:]))
    assert 0.5 < rec["pred_density"] < 1 and rec["pred_conductivity_mS_cm"] > 0
    assert rec["predicted"]["impedance"]["circuit"].startswith("R0")
    assert len(rec["library_version"]) == 16 and rec["pressbook_version"]
    assert rec["glovebox"] == {"o2_ppm": 0.4, "h2o_ppm": 0.1}
    assert log.list(lot="A1")[0]["uid"] == rec["uid"] and log.list(lot="other") == []


def test_measurements_take_units_and_refuse_the_wrong_kind_of_quantity(db_url):
    log = open_log(db_url, user="ana")
    rec = log.add(presets.three_step())
    rec = log.update(rec["uid"], 1, thickness_um="0.61 mm", ejected_density="84 %", conductivity_mS_cm="2.1 mS/cm",
                     stack_pressure_MPa="50 bar", thickness_steps_um=["700 um", 0.65e3], masses_mg={"separator": "0.08 g"},
                     cracked="no", cycles_to_short="120")
    assert rec["thickness_um"] == pytest.approx(610) and rec["ejected_density"] == pytest.approx(0.84)
    assert rec["stack_pressure_MPa"] == pytest.approx(5) and rec["masses_mg"] == {"separator": pytest.approx(80)}
    assert rec["thickness_steps_um"] == [700, 650] and rec["cracked"] is False and rec["cycles_to_short"] == 120
    for field, bad, words in [("thickness_um", "300 MPa", "a length"), ("thickness_um", 0.2, "1 to 20000 um"),
                              ("ejected_density", 84, "'92 %'"), ("conductivity_mS_cm", "-1 mS/cm", "1e-07 to 100"),
                              ("pressed_on", "29/11/2026", "YYYY-MM-DD"), ("cracked", "maybe", "yes or no")]:
        with pytest.raises(InvalidInputError) as info:
            log.update(rec["uid"], rec["version"], **{field: bad})
        assert field in str(info.value) and words in str(info.value)
    assert log.get(rec["uid"]) == rec       # nothing changed by the refused values


def test_only_the_owner_or_an_admin_changes_a_record_everyone_reads_it(db_url):
    ana = open_log(db_url, user="ana")
    rec = ana.add(presets.three_step())
    bo = open_log(db_url, user="bo")
    assert bo.get(rec["uid"]) == rec
    with pytest.raises(NotAllowedError, match="only its owner \\(ana\\)"):
        bo.update(rec["uid"], 1, notes="mine now")
    with pytest.raises(NotAllowedError):
        bo.delete(rec["uid"], 1)
    admin = open_log(db_url, user="cy", admins={"cy"})
    assert admin.update(rec["uid"], 1, notes="checked").get("notes") == "checked"


def test_history_is_append_only_and_a_deleted_record_comes_back(db_url):
    log = open_log(db_url, user="ana")
    rec = log.add(presets.three_step())
    rec = log.update(rec["uid"], 1, ejected_density=0.8)
    rec = log.update(rec["uid"], 2, ejected_density=0.82, notes="re-measured")
    rec = log.delete(rec["uid"], 3)
    assert log.list() == [] and log.list(include_deleted=True)[0]["uid"] == rec["uid"]
    assert rec["deleted_by"] == "ana"
    rec = log.restore(rec["uid"], 4)
    assert rec["deleted_at"] is None and log.list()[0]["ejected_density"] == 0.82
    hist = log.history(rec["uid"])
    assert [h["action"] for h in hist] == ["create", "update", "update", "delete", "restore"]
    assert [h["version"] for h in hist] == [1, 2, 3, 4, 5]
    assert hist[2]["changes"]["ejected_density"] == [0.8, 0.82] and hist[2]["who"] == "ana"


def test_a_stale_save_gets_a_clear_message_and_loses_nothing(db_url):
    ana, ana_tab2 = open_log(db_url, user="ana"), open_log(db_url, user="ana")
    rec = ana.add(presets.three_step())
    ana.update(rec["uid"], 1, ejected_density=0.81)
    with pytest.raises(ConflictError) as info:
        ana_tab2.update(rec["uid"], 1, ejected_density=0.9, notes="from the other tab")
    msg = str(info.value)
    assert "saved by ana" in msg and "version 2" in msg and "nothing was saved" in msg
    assert info.value.yours == {"ejected_density": 0.9, "notes": "from the other tab"}
    assert info.value.current["ejected_density"] == 0.81
    assert ana.get(rec["uid"])["ejected_density"] == 0.81 and ana.get(rec["uid"])["version"] == 2


def test_concurrent_writers_one_save_wins_the_others_are_told(db_url):
    """8 people (8 connections) save the same version of one record at the same moment, then 8 log
    pellets at once: exactly one save wins, the others get ConflictError, every new pellet is kept."""
    owner = open_log(db_url, user="ana", admins={"ana"})
    rec = owner.add(presets.three_step())
    logs = [open_log(db_url, user="ana") for _ in range(8)]
    barrier, results = threading.Barrier(8), [None] * 8

    def save(i):
        barrier.wait()
        try:
            logs[i].update(rec["uid"], 1, thickness_um=600 + i)
            results[i] = "saved"
        except ConflictError:
            results[i] = "conflict"

    threads = [threading.Thread(target=save, args=(i,)) for i in range(8)]
    [t.start() for t in threads]
    [t.join(60) for t in threads]
    assert sorted(results) == ["conflict"] * 7 + ["saved"]
    winner = results.index("saved")
    final = owner.get(rec["uid"])
    assert final["version"] == 2 and final["thickness_um"] == 600 + winner
    assert [h["action"] for h in owner.history(rec["uid"])] == ["create", "update"]

    def add_some(i):
        barrier.wait()
        for _ in range(3):
            logs[i].add(presets.three_step(), lot=f"L{i}")

    threads = [threading.Thread(target=add_some, args=(i,)) for i in range(8)]
    [t.start() for t in threads]
    [t.join(120) for t in threads]
    assert owner.count() == 1 + 24 and len({r["uid"] for r in owner.list(columns=["uid"])}) == 25


def test_raw_files_keep_their_bytes_and_refuse_big_uploads(db_url):
    log = open_log(db_url, user="ana")
    rec = log.add(presets.three_step())
    log.attach(rec["uid"], "eis 1.mpr", b"\x00\x01BIO")
    assert log.raw_file(rec["uid"], "eis 1.mpr") == b"\x00\x01BIO"
    with pytest.raises(InvalidInputError, match="up to 20 MB"):
        log.attach(rec["uid"], "huge.csv", b"0" * 21_000_000)
    with pytest.raises(InvalidInputError, match="no folders"):
        log.attach(rec["uid"], "../etc/passwd", b"x")
    assert [f["name"] for f in log.raw_files(rec["uid"])] == ["eis 1.mpr"]


def test_pressbook_db_chooses_the_file(monkeypatch, tmp_path):
    from pressbook.lab.lablog.store import database_url

    monkeypatch.setenv("PRESSBOOK_DB", str(tmp_path / "sub" / "lab.sqlite"))
    assert database_url() == f"sqlite:///{tmp_path / 'sub' / 'lab.sqlite'}"
    monkeypatch.setenv("PRESSBOOK_DB", "postgresql+psycopg://u@h/db")
    assert database_url() == "postgresql+psycopg://u@h/db"
    monkeypatch.delenv("PRESSBOOK_DB")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert database_url().endswith("pressbook/pellets.sqlite")


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(40)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(40)


def test_photos_are_png_or_jpeg_by_their_bytes_and_at_most_8_mb(db_url):
    log = open_log(db_url, user="ana")
    rec = log.add(presets.three_step())
    log.attach(rec["uid"], "pellet.png", PNG, "photo")
    log.attach(rec["uid"], "cracked edge.JPG", JPEG, "photo")
    assert [(f["name"], f["kind"]) for f in log.raw_files(rec["uid"])] == [("pellet.png", "photo"),
                                                                         ("cracked edge.JPG", "photo")]
    assert log.raw_file(rec["uid"], "cracked edge.JPG") == JPEG
    with pytest.raises(InvalidInputError, match="photo notes.png: got 'a file that is not a PNG or JPEG image'; allowed: a PNG or JPEG photo"):
        log.attach(rec["uid"], "notes.png", b"<html>not an image</html>", "photo")   # the name alone is not enough
    with pytest.raises(InvalidInputError, match=r"photo big.jpg: got '9.0 MB'; allowed: a photo up to 8 MB"):
        log.attach(rec["uid"], "big.jpg", JPEG + bytes(9_000_000 - len(JPEG)), "photo")
    assert len(log.raw_files(rec["uid"])) == 2
    assert [h["action"] for h in log.history(rec["uid"])] == ["create", "attach", "attach"]


def test_record_carries_the_models_versions_and_bands(tmp_path):
    """Issue 24: every logged prediction says which model made it (materials, calibration, posterior) and its bands."""
    from pressbook import presets
    from pressbook.bands import versions
    from pressbook.lab.lablog.records import predict

    rec = predict(presets.three_step(), "Li6PS5Cl")
    assert rec["predicted"]["versions"] == versions()
    lo, hi = rec["predicted"]["bands"]["ionic_conductivity_mS_cm"]
    assert lo < rec["pred_conductivity_mS_cm"] < hi
