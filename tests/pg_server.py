"""A throwaway PostgreSQL server for the pellet-log tests (Debian's postgresql package: initdb + pg_ctl).

``postgres_server`` (session) starts one server in a temporary directory on a free port of 127.0.0.1
(as the ``postgres`` system user when the tests run as root: PostgreSQL refuses to run as root) and
stops it at the end; ``postgres_url`` (per test) creates a fresh database on it and returns its
SQLAlchemy URL. Without the package (``make test`` installs it) the tests skip with the reason, or fail
when ``CI`` is set.
"""
from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest


def _ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _unavailable(reason: str):
    if _ci():
        pytest.fail(f"PostgreSQL tests cannot run in CI: {reason}")
    pytest.skip(reason)


def _bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def postgres_server():
    initdb, pg_ctl = _bin("initdb"), _bin("pg_ctl")
    if not (initdb and pg_ctl):
        _unavailable("no initdb/pg_ctl: install Debian's postgresql package (make test does as root)")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        _unavailable("psycopg is not installed (pip install -e '.[lab]')")
    run_as: list[str] = []
    tmp = Path(tempfile.mkdtemp(prefix="pressbook-pg-"))
    if os.geteuid() == 0:
        runuser = shutil.which("runuser")
        try:
            import pwd
            pwd.getpwnam("postgres")
        except KeyError:
            runuser = None
        if not runuser:
            shutil.rmtree(tmp, ignore_errors=True)
            _unavailable("running as root without a `postgres` user and runuser: PostgreSQL refuses to run as root")
        shutil.chown(tmp, "postgres")
        run_as = [runuser, "-u", "postgres", "--"]
    data, port = tmp / "data", _free_port()
    try:
        subprocess.run([*run_as, initdb, "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"],
                       check=True, capture_output=True, timeout=120)
        subprocess.run([*run_as, pg_ctl, "-D", str(data), "-l", str(tmp / "server.log"), "-w", "-t", "60", "start",
                        "-o", f"-c listen_addresses=127.0.0.1 -p {port} -k {tmp} -c fsync=off -c max_connections=60"],
                       check=True, capture_output=True, timeout=120)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        out = getattr(exc, "stderr", b"") or b""
        shutil.rmtree(tmp, ignore_errors=True)
        _unavailable(f"could not start PostgreSQL: {out.decode(errors='replace')[-300:]}")
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run([*run_as, pg_ctl, "-D", str(data), "-m", "immediate", "stop"], capture_output=True, timeout=60)
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server):
    import psycopg

    name = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(postgres_server.replace("postgresql+psycopg", "postgresql") + "/postgres",
                         autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return f"{postgres_server}/{name}"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """The same test on an SQLite file and on a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'pellets.sqlite'}"
    return request.getfixturevalue("postgres_url")
