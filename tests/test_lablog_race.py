"""Two processes opening the same empty database at the same moment: both get a working log, the schema
is created once (PostgreSQL: an advisory lock around the Alembic upgrade; SQLite: a file lock)."""
from __future__ import annotations

import multiprocessing as mp

import pytest
from pg_server import db_url, postgres_server, postgres_url  # noqa: F401  (fixtures)

ROUNDS = 3


def _open_and_log(url: str, barrier, queue, who: str) -> None:
    try:
        from pressbook import presets
        from pressbook.lab.lablog import open_log
        from pressbook.lab.lablog.store import schema_revision

        barrier.wait(60)
        log = open_log(url, user=who)
        log.add(presets.three_step(), lot=who)
        queue.put((who, "ok", schema_revision(log.engine)))
    except Exception as exc:  # noqa: BLE001 - reported to the test
        queue.put((who, "error", f"{type(exc).__name__}: {exc}"))


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_two_processes_create_the_schema_of_an_empty_database_at_once(db_url, round_):
    ctx = mp.get_context("spawn")
    barrier, queue = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=_open_and_log, args=(db_url, barrier, queue, who)) for who in ("ana", "ben")]
    [p.start() for p in procs]
    results = sorted(queue.get(timeout=120) for _ in procs)
    [p.join(60) for p in procs]
    assert results == [("ana", "ok", "0004"), ("ben", "ok", "0004")], results

    from pressbook.lab.lablog import open_log
    log = open_log(db_url, user="ana")
    assert sorted(log.table(["lot"])["lot"]) == ["ana", "ben"]
    with log.engine.connect() as conn:   # one row in Alembic's table: the schema was made once
        from sqlalchemy import text
        assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar_one() == 1
