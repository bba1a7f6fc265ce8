"""Ownership of pellets is enforced by PostgreSQL, not promised by the client (issue 27, item 9).

Before: the user was whatever JUPYTERHUB_USER said and an admin whoever PRESSBOOK_LOG_ADMINS listed (both set
by the user), and with the lab's database URL plain SQL deleted history rows. Now each person connects
with their own role (``pressbook log grant``): on a throwaway PostgreSQL, B cannot change A's pellet nor
erase or forge any history, even with SQL through B's own connection; A still edits their own; an admin
changes, deletes and restores anyone's and imports packages, but erases no history either.
"""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from pg_server import postgres_server, postgres_url  # noqa: F401  (fixtures)
from sqlalchemy import text

from pressbook import presets
from pressbook.cli import main
from pressbook.lab.lablog import LogError, NotAllowedError, open_log
from pressbook.lab.lablog.exchange import export_package, import_package

pytestmark = pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")


@pytest.fixture
def fresh_roles(postgres_url):
    """Roles belong to the whole server: drop the test's users afterwards (the next test creates them anew)."""
    yield
    engine = sa.create_engine(postgres_url)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP ROLE IF EXISTS ana, bo, boss")
    engine.dispose()


@pytest.fixture
def lab(postgres_url, fresh_roles, capsys, monkeypatch):
    """A PostgreSQL log opened by its owner (postgres), members ana and bo, admin boss: name -> URL."""
    open_log(postgres_url, user="dba")
    urls = {}
    for name, extra in (("ana", []), ("bo", []), ("boss", ["--admin"])):
        assert main(["log", "--db", postgres_url, "grant", name, *extra]) == 0
        out = capsys.readouterr().out.splitlines()
        assert out[0].startswith(f"{name} is a {'lab admin' if extra else 'member'} of this pellet log")
        password = out[1]
        assert len(password) >= 20          # a random one, shown once
        urls[name] = str(sa.engine.make_url(postgres_url).set(username=name, password=password)
                         .render_as_string(hide_password=False))
    # what a user can set in their own environment changes nothing
    monkeypatch.setenv("JUPYTERHUB_USER", "ana")
    monkeypatch.setenv("PRESSBOOK_LOG_ADMINS", "ana,bo")
    return urls


REFUSED = [  # plain SQL that bo sends through bo's own connection: each is refused by the database
    "DELETE FROM pellet_history",
    "UPDATE pellet_history SET who = 'bo'",
    "TRUNCATE pellet_history",
    "DELETE FROM raw_files",
    "DELETE FROM pellets",
    "UPDATE pellets SET owner = 'bo'",
    "INSERT INTO pellet_history (pellet_id, at, who, action, version, changes) "
    "SELECT id, '2026-12-07', 'ana', 'update', 9, '{}' FROM pellets",
    "INSERT INTO pellet_history (pellet_id, at, who, action, version, changes) "
    "SELECT id, '2026-12-07', 'bo', 'update', 9, '{}' FROM pellets",
    "ALTER TABLE pellets DISABLE ROW LEVEL SECURITY",
    "DROP TRIGGER pellet_history_insert_only ON pellet_history",
    "SET ROLE ana",
    "UPDATE alembic_version SET version_num = '0001'",
]


def test_b_cannot_change_a_pellet_or_erase_history_even_with_sql(lab):
    ana = open_log(lab["ana"], user="bo")            # the user is the database role, not what the caller says
    assert ana.enforced and ana.user == "ana" and ana.admins == set()
    rec = ana.add(presets.three_step(), lot="A1")
    assert rec["owner"] == "ana"
    ana.attach(rec["uid"], "eis.csv", b"1,2,3")
    before = (ana.get(rec["uid"]), ana.history(rec["uid"]), ana.raw_files(rec["uid"]))

    bo = open_log(lab["bo"])
    assert bo.user == "bo" and bo.admins == set()    # PRESSBOOK_LOG_ADMINS=ana,bo is ignored
    for write in (lambda: bo.update(rec["uid"], 1, ejected_density=0.5), lambda: bo.delete(rec["uid"], 1),
                  lambda: bo.attach(rec["uid"], "fake.csv", b"1")):
        with pytest.raises(NotAllowedError, match="only its owner .ana. or a lab admin"):
            write()

    engine = sa.create_engine(lab["bo"])
    for sql in REFUSED:
        with engine.connect() as conn, pytest.raises(sa.exc.DBAPIError) as err:
            conn.execute(text(sql))
            conn.commit()
        assert type(err.value.orig).__name__ == "InsufficientPrivilege", (sql, err.value)
    # row-level security: updates of another's row reach no row at all (not an error, nothing changed)
    with engine.begin() as conn:
        assert conn.execute(text("UPDATE pellets SET ejected_density = 0.5, notes = 'bo was here'")).rowcount == 0
        assert conn.execute(text("SELECT count(*) FROM pellet_history")).scalar() == len(before[1])  # reads all
    engine.dispose()
    assert (ana.get(rec["uid"]), ana.history(rec["uid"]), ana.raw_files(rec["uid"])) == before

    # bo's own pellet: bo edits it, but cannot give it away or pass it off as ana's
    mine = bo.add(presets.three_step(), lot="B1")
    assert bo.update(mine["uid"], 1, ejected_density=0.81)["version"] == 2
    engine = sa.create_engine(lab["bo"])
    for sql in (f"UPDATE pellets SET owner = 'ana' WHERE uid = '{mine['uid']}'",
                "INSERT INTO pellets SELECT * FROM pellets WHERE false",   # (allowed, empty) then one as ana:
                f"INSERT INTO pellets (uid, version, owner, created_at, updated_at, design_toml, pressed_on, material, "
                f"subject_layer, \"pressure_MPa\", hold_s, \"temperature_C\", predicted, pressbook_version, "
                f"library_version) VALUES ('{'0' * 36}', 1, 'ana', 'x', 'x', 'x', '2026-12-07', 'x', 'x', 1, 1, 1, "
                "'{}', 'x', 'x')"):
        with engine.connect() as conn:
            if "WHERE false" in sql:
                conn.execute(text(sql))
                continue
            with pytest.raises(sa.exc.DBAPIError, match="permission denied|row-level security"):
                conn.execute(text(sql))
    engine.dispose()
    assert ana.get(mine["uid"])["owner"] == "bo"


def test_a_edits_its_own_and_an_admin_does_what_admins_do(lab, tmp_path):
    ana = open_log(lab["ana"])
    rec = ana.add(presets.three_step(), lot="A1")
    rec = ana.update(rec["uid"], 1, ejected_density=0.84, notes="first")
    rec = ana.delete(rec["uid"], rec["version"])
    rec = ana.restore(rec["uid"], rec["version"])
    assert rec["version"] == 4 and rec["deleted_at"] is None

    boss = open_log(lab["boss"], user="ana")
    assert boss.user == "boss" and boss.admins == {"boss"}
    rec = boss.update(rec["uid"], 4, notes="checked by boss")
    rec = boss.delete(rec["uid"], 5)
    rec = boss.restore(rec["uid"], 6)
    boss.attach(rec["uid"], "photo-note.csv", b"1,2")
    assert [h["who"] for h in ana.history(rec["uid"])] == ["ana"] * 4 + ["boss"] * 4

    # importing keeps other people's pellets and history: an admin's task; a member is told so
    other = open_log(tmp_path / "other.sqlite", user="cy")
    other.add(presets.three_step(), lot="C1")
    package = export_package(other)
    with pytest.raises(NotAllowedError, match="only a lab admin may"):
        import_package(open_log(lab["bo"]), package, source="other.zip")
    assert import_package(boss, package, source="other.zip")["added"] == 1
    assert [r["owner"] for r in boss.list(lot="C1")] == ["cy"]

    # an admin erases no history either: not granted, and a trigger refuses even the tables' owner
    for url in (lab["boss"], None):
        engine = sa.create_engine(url or boss.engine.url.set(username="postgres", password=None))
        with engine.connect() as conn, pytest.raises(sa.exc.DBAPIError, match="permission denied|insert-only"):
            conn.execute(text("DELETE FROM pellet_history"))
        engine.dispose()
    assert len(ana.history(rec["uid"])) == 8


def test_grant_refuses_bad_names_and_sqlite(postgres_url, fresh_roles, tmp_path, capsys):
    open_log(postgres_url, user="dba")
    assert main(["log", "--db", postgres_url, "grant", "x; DROP TABLE pellets"]) == 2
    assert "user: got 'x; DROP TABLE pellets'; allowed: a user name" in capsys.readouterr().err
    assert main(["log", "--db", str(tmp_path / "one.sqlite"), "grant", "ana"]) == 2
    assert "single-user" in capsys.readouterr().err
    assert main(["log", "--db", postgres_url, "grant", "ana"]) == 0
    assert main(["log", "--db", postgres_url, "revoke", "ana"]) == 0
    url = sa.engine.make_url(postgres_url).set(username="ana")
    with pytest.raises(LogError, match="permission denied"):   # no longer a member: not even a reader
        open_log(url.render_as_string(hide_password=False))


def test_history_is_insert_only_on_sqlite_too(tmp_path):
    log = open_log(tmp_path / "one.sqlite", user="ana")
    rec = log.add(presets.three_step())
    log.attach(rec["uid"], "eis.csv", b"1,2,3")
    with log.engine.connect() as conn:
        for sql in ("DELETE FROM pellet_history", "UPDATE pellet_history SET who = 'bo'", "DELETE FROM raw_files"):
            with pytest.raises(sa.exc.DBAPIError, match="insert-only"):
                conn.execute(text(sql))
    assert len(log.history(rec["uid"])) == 2 and len(log.raw_files(rec["uid"])) == 1
