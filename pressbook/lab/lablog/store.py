"""The pellet log's storage: open a database (SQLite file or PostgreSQL URL), migrate it, read and write records.

    log = open_log()                          # PRESSBOOK_DB, else ~/.local/share/pressbook/pellets.sqlite
    rec = log.add(design, material="Li6PS5Cl", lot="L-7", operator="ana")
    rec = log.update(rec["uid"], rec["version"], ejected_density=0.84, thickness_um="0.61 mm")

Records are plain dicts with the fields of ``records.FIELDS``. Rules: anyone reads every record; only its
owner or an admin (``admins``, or ``PRESSBOOK_LOG_ADMINS``: comma-separated user names) changes,
deletes or restores it; every change appends a row to the history (who, when, field -> [old, new]);
delete is soft (``restore`` brings the record back). Saving needs the version you read: when someone
saved the record in between, ``ConflictError`` says who and when, nothing is written, and the
exception keeps your changes (``.yours``) and the current record (``.current``).
"""
from __future__ import annotations

import contextlib
import datetime as dt
import getpass
import hashlib
import os
import uuid
from pathlib import Path

from sqlalchemy import create_engine, event, func, insert, select, text, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from ...design import Design
from ...errors import InvalidInputError, PressbookError
from .models import Change, Pellet, RawFile
from .records import EDITABLE, FIELDS, clean, predict

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None

P = Pellet.__table__
H = Change.__table__
R = RawFile.__table__
RECORD_COLUMNS = tuple(f.name for f in FIELDS)
HISTORY_COLUMNS = ("at", "who", "action", "version", "changes")
RAW_COLUMNS = ("name", "kind", "sha256", "added_at", "added_by")
RAW_KINDS = ("impedance", "photo", "other")
MAX_RAW_BYTES = 20_000_000
MAX_PHOTO_BYTES = 8_000_000   # a phone photo (3-5 MB JPEG) fits; below the 10 MiB websocket message limit
#: the first bytes of the image files a photo may be (PNG signature; JPEG start-of-image marker)
IMAGE_MAGIC = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
MIGRATION_LOCK_KEY = 0x70726573   # PostgreSQL advisory lock of the schema upgrade ("pres"; any fixed number)


class LogError(PressbookError):
    """The pellet log refused an action: the message says why and what to do."""


class ConflictError(LogError):
    """Someone saved the record since you read it; nothing was written."""

    def __init__(self, message: str, yours: dict, current: dict):
        super().__init__(message)
        self.yours = yours
        self.current = current


class NotAllowedError(LogError):
    """Only the record's owner or a lab admin may change it."""


def image_type(content: bytes) -> str | None:
    """'image/png' or 'image/jpeg' when the bytes start as such a file does, else None."""
    return next((mime for magic, mime in IMAGE_MAGIC.items() if bytes(content[:len(magic)]) == magic), None)


def check_photo(name: str, content: bytes) -> str:
    """The photo's type (image/png or image/jpeg) by its first bytes; InvalidInputError when it is not a PNG
    or JPEG image or is larger than MAX_PHOTO_BYTES."""
    if len(content) > MAX_PHOTO_BYTES:
        raise InvalidInputError(f"photo {name}", f"{len(content) / 1e6:.1f} MB",
                                f"a photo up to {MAX_PHOTO_BYTES // 1_000_000} MB (save it smaller or as JPEG)")
    mime = image_type(content)
    if mime is None:
        raise InvalidInputError(f"photo {name}", "a file that is not a PNG or JPEG image", "a PNG or JPEG photo")
    return mime


def check_raw_name(name) -> str:
    """The name of a raw data file, stripped; InvalidInputError unless it is a plain file name (no folder,
    not '.' or '..', no control characters, 1 to 200 characters): it becomes a zip entry on export."""
    plain = (isinstance(name, str) and 0 < len(name.strip()) <= 200 and name.strip() not in (".", "..")
             and not any(c in "/\\" or ord(c) < 32 for c in name))
    if not plain:
        raise InvalidInputError("file name", name, "a plain file name of 1 to 200 characters (no folders)")
    return name.strip()


def default_path() -> Path:
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "pressbook" / "pellets.sqlite"


def database_url(db: str | os.PathLike | None = None) -> str:
    """SQLAlchemy URL from ``db``, else ``PRESSBOOK_DB``, else the default SQLite file: a URL
    (``postgresql+psycopg://user@host/db``, ``sqlite:///path``) or a file path (SQLite)."""
    db = db if db not in (None, "") else os.environ.get("PRESSBOOK_DB") or default_path()
    text = str(db)
    if "://" in text:
        return text
    path = Path(text).expanduser().resolve()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InvalidInputError("PRESSBOOK_DB", text, "a writable file path or a database URL", str(exc)) from None
    return f"sqlite:///{path}"


def current_user() -> str:
    """The JupyterHub user (``JUPYTERHUB_USER``), else the one person a server was set up for
    (``PRESSBOOK_LOG_USER``), else the operating-system user."""
    try:
        return os.environ.get("JUPYTERHUB_USER") or os.environ.get("PRESSBOOK_LOG_USER") or getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (containers)
        return "unknown"


def admins_from_env() -> set[str]:
    return {a.strip() for a in os.environ.get("PRESSBOOK_LOG_ADMINS", "").split(",") if a.strip()}


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds")


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(conn, _record):
            cur = conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")  # readers do not wait for a writer
            cur.close()
        return engine
    return create_engine(url, pool_pre_ping=True)


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the database's schema to ``revision`` with the Alembic migrations (from an empty database too)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with _migration_lock(engine), engine.begin() as conn:
        if conn.dialect.name == "postgresql":  # held until this transaction ends: one process migrates at a time
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


@contextlib.contextmanager
def _migration_lock(engine: Engine):
    """SQLite: an exclusive lock on ``<database file>.lock`` while the schema is created or upgraded (two
    processes opening a new file at once would both create the tables); nothing for other databases,
    and nothing where the operating system has no ``fcntl`` (Windows) or for an in-memory database."""
    path = engine.url.database if engine.dialect.name == "sqlite" else None
    if not path or path == ":memory:" or fcntl is None:
        yield
        return
    with open(f"{path}.lock", "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def schema_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def open_log(db=None, *, user: str | None = None, admins=None) -> "PelletLog":
    """Open (and create or upgrade) the pellet log at ``db`` (see ``database_url``) for ``user``."""
    url = database_url(db)
    try:
        engine = make_engine(url)
        migrate(engine)
    except (SQLAlchemyError, ImportError, OSError) as exc:  # ImportError: no driver (mysql://); OSError: the lock file
        shown = engine.url.render_as_string(hide_password=True) if "engine" in locals() else "the database"
        first = (str(exc).splitlines() or [""])[0][:160]
        raise LogError(f"PRESSBOOK_DB: cannot open {shown} ({type(exc).__name__}: {first}); allowed: a writable "
                       "SQLite file path, sqlite:///PATH or postgresql+psycopg://USER@HOST/DB") from None
    return PelletLog(engine, user=user, admins=admins)


class PelletLog:
    """Records of pressed pellets in one database, as seen by one user."""

    def __init__(self, engine: Engine, *, user: str | None = None, admins=None):
        self.engine = engine
        self.user = user or current_user()
        self.admins = set(admins) if admins is not None else admins_from_env()
        #: True when the database itself holds this user to the rules (PostgreSQL, the user's own member role:
        #: see roles.py); then the user is the database role and admins are the members of the admin role,
        #: whatever ``user``, ``admins``, JUPYTERHUB_USER or PRESSBOOK_LOG_ADMINS say
        self.enforced = False
        #: None, or why this log may only be read (set by an app serving visitors it does not know)
        self.read_only: str | None = None
        if engine.dialect.name == "postgresql":
            from .roles import identity

            with engine.connect() as conn:
                who = identity(conn)
            if who["enforced"]:
                self.enforced, self.user = True, who["user"]
                self.admins = {who["user"]} if who["admin"] else set()

    # ------------------------------------------------------------------ reading
    def get(self, uid: str) -> dict:
        with self.engine.connect() as conn:
            return self._row(conn, uid)

    def list(self, *, include_deleted: bool = False, columns=None, **filters) -> list[dict]:
        """Records (or only ``columns`` of them) in order of pressing, equal to every filter given
        (material, lot, operator, die, press, owner, subject_layer)."""
        return _rows_of(self.table(columns, include_deleted=include_deleted, **filters))

    def table(self, columns=None, *, include_deleted: bool = False, **filters) -> dict[str, list]:
        """Column -> list of values for the selected records (fast: one query, no objects per row)."""
        names = list(columns or RECORD_COLUMNS)
        bad = [c for c in names if c not in P.c]
        if bad:
            raise InvalidInputError("columns", bad[0], "fields of a pellet record: " + ", ".join(RECORD_COLUMNS))
        query = select(*[P.c[c] for c in names]).order_by(P.c.pressed_on, P.c.id)
        for key, value in filters.items():
            if key not in ("material", "lot", "operator", "die", "press", "owner", "subject_layer", "uid"):
                raise InvalidInputError("filter", key, "material, lot, operator, die, press, owner, subject_layer, uid")
            if value not in (None, ""):
                query = query.where(P.c[key] == value)
        if not include_deleted:
            query = query.where(P.c.deleted_at.is_(None))
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return {c: [r[i] for r in rows] for i, c in enumerate(names)}

    def count(self, *, include_deleted: bool = False) -> int:
        query = select(func.count()).select_from(P)
        if not include_deleted:
            query = query.where(P.c.deleted_at.is_(None))
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def history(self, uid: str) -> list[dict]:
        with self.engine.connect() as conn:
            pid = self._row(conn, uid, "id")["id"]
            rows = conn.execute(select(H.c.at, H.c.who, H.c.action, H.c.version, H.c.changes)
                                .where(H.c.pellet_id == pid).order_by(H.c.id)).mappings().all()
        return [dict(r) for r in rows]

    def raw_files(self, uid: str) -> list[dict]:
        with self.engine.connect() as conn:
            pid = self._row(conn, uid, "id")["id"]
            rows = conn.execute(select(R.c.name, R.c.kind, R.c.sha256, R.c.added_at, R.c.added_by,
                                       func.length(R.c.content).label("size"))
                                .where(R.c.pellet_id == pid).order_by(R.c.id)).mappings().all()
        return [dict(r) for r in rows]

    def raw_file(self, uid: str, name: str) -> bytes:
        with self.engine.connect() as conn:
            pid = self._row(conn, uid, "id")["id"]
            content = conn.execute(select(R.c.content).where(R.c.pellet_id == pid, R.c.name == name)
                                   .order_by(R.c.id.desc())).scalar()
        if content is None:
            raise InvalidInputError("raw file", name, "a file of pellet " + uid[:8])
        return bytes(content)

    # ------------------------------------------------------------------ writing
    def add(self, design, *, material: str | None = None, library=None, **fields) -> dict:
        """Log a pellet pressed to ``design`` (a Design or design TOML text) made of ``material``'s powder
        (default: the separator's); other fields (records.EDITABLE) as keywords. Returns the record."""
        self._check_writable()
        text = design if isinstance(design, str) else design.to_toml()
        design = Design.from_toml(text, library=library) if isinstance(design, str) else design
        values = {k: clean(k, v) for k, v in fields.items()}
        values.setdefault("operator", self.user[:100])
        values.setdefault("pressed_on", dt.date.today().isoformat())
        values.setdefault("title", (design.title or "")[:200])
        values.update(predict(design, material, library))
        stamp = now()
        values.update(uid=str(uuid.uuid4()), version=1, owner=self.user[:100], created_at=stamp, updated_at=stamp,
                      design_toml=text)
        with self.engine.begin() as conn:
            pid = conn.execute(insert(P).values(**values)).inserted_primary_key[0]
            conn.execute(insert(H).values(pellet_id=pid, at=stamp, who=self.user, action="create", version=1,
                                          changes={}))
            return self._row(conn, values["uid"])

    def update(self, uid: str, version: int, **changes) -> dict:
        """Change editable fields of a record read at ``version``; returns the new record."""
        self._check_writable()
        if "material" in changes:
            raise InvalidInputError("material", changes["material"], "the material it was logged with (the prediction "
                                    "depends on it): log the pellet again")
        cleaned = {k: clean(k, v) for k, v in changes.items()}
        return self._write(uid, version, "update", cleaned, changes)

    def delete(self, uid: str, version: int) -> dict:
        """Mark a record deleted (``restore`` undoes it); the history keeps who and when."""
        return self._write(uid, version, "delete", {"deleted_at": now(), "deleted_by": self.user[:100]}, {})

    def restore(self, uid: str, version: int) -> dict:
        return self._write(uid, version, "restore", {"deleted_at": None, "deleted_by": None}, {})

    def attach(self, uid: str, name: str, content: bytes, kind: str = "impedance") -> dict:
        """Keep a raw data file with the record (bytes as uploaded, at most 20 MB; a photo: a PNG or JPEG
        image by its first bytes, at most 8 MB)."""
        self._check_writable()
        name = check_raw_name(name)
        if not isinstance(content, (bytes, bytearray)):
            raise InvalidInputError(name, type(content).__name__, "the file's bytes")
        if len(content) > MAX_RAW_BYTES:
            raise InvalidInputError(name, f"{len(content) / 1e6:.1f} MB", f"a file up to {MAX_RAW_BYTES // 1_000_000} MB")
        if kind not in RAW_KINDS:
            raise InvalidInputError("kind", kind, ", ".join(RAW_KINDS))
        if kind == "photo":
            check_photo(name, content)
        stamp = now()
        with self.engine.begin() as conn:
            row = self._row(conn, uid, "id", "owner", "version")
            self._check_allowed(row, "attach a file to")
            conn.execute(insert(R).values(pellet_id=row["id"], name=name.strip(), kind=kind, added_at=stamp,
                                          added_by=self.user, sha256=hashlib.sha256(content).hexdigest(),
                                          content=bytes(content)))
            conn.execute(insert(H).values(pellet_id=row["id"], at=stamp, who=self.user, action="attach",
                                          version=row["version"], changes={"raw_files": [None, name.strip()]}))
        return self.raw_files(uid)[-1]

    # ------------------------------------------------------------------ import (exchange.py)
    def insert_records(self, items, source: str) -> tuple[int, int]:
        """Insert complete records from another log, all in one transaction (all or none): ``items`` are
        (record, history, [(raw file meta, bytes)]); a record whose uid this log already has is skipped.
        Returns (added, skipped)."""
        self._check_writable()
        if self.enforced and self.user not in self.admins:
            raise NotAllowedError(f"{self.user} may not import pellets into this database: an import keeps the "
                                  "pellets' owners and history, so only a lab admin may (pressbook log grant "
                                  f"{self.user} --admin)")
        added = skipped = 0
        try:
            with self.engine.begin() as conn:
                for record, history, files in items:
                    if conn.execute(select(P.c.id).where(P.c.uid == record["uid"])).first():
                        skipped += 1
                        continue
                    pid = conn.execute(insert(P).values(**{k: record.get(k) for k in RECORD_COLUMNS})
                                       ).inserted_primary_key[0]
                    for h in history:
                        conn.execute(insert(H).values(pellet_id=pid, **{k: h[k] for k in HISTORY_COLUMNS}))
                    for meta, content in files:
                        conn.execute(insert(R).values(pellet_id=pid, content=content,
                                                      **{k: meta[k] for k in RAW_COLUMNS}))
                    conn.execute(insert(H).values(pellet_id=pid, at=now(), who=self.user, action="import",
                                                  version=record["version"], changes={"source": [None, source[:200]]}))
                    added += 1
        except SQLAlchemyError as exc:
            first = (str(exc).splitlines() or [""])[0][:160]
            raise LogError(f"{source}: the database refused the package ({type(exc).__name__}: {first}); "
                           "nothing was imported") from None
        return added, skipped

    # ------------------------------------------------------------------ inside
    def _row(self, conn, uid: str, *columns) -> dict:
        cols = [P.c[c] for c in (columns or RECORD_COLUMNS)]
        row = conn.execute(select(*cols).where(P.c.uid == str(uid))).mappings().first()
        if row is None:
            raise InvalidInputError("uid", uid, "the id of a pellet in this log")
        return dict(row)

    def _check_writable(self) -> None:
        if self.read_only:
            raise NotAllowedError(self.read_only)

    def _check_allowed(self, row: dict, what: str) -> None:
        if row["owner"] != self.user and self.user not in self.admins:
            admins = "the database's admin role" if self.enforced else "PRESSBOOK_LOG_ADMINS"
            raise NotAllowedError(f"{self.user} may not {what} pellet {row.get('uid', '')[:8]}: only its owner "
                                  f"({row['owner']}) or a lab admin ({admins}) may")

    def _write(self, uid: str, version: int, action: str, values: dict, yours: dict) -> dict:
        self._check_writable()
        stamp = now()
        with self.engine.begin() as conn:
            row = self._row(conn, uid)
            self._check_allowed(row, {"update": "change", "delete": "delete", "restore": "restore"}[action])
            if row["version"] != version:
                self._conflict(conn, row, version, yours)
            diff = {k: [row[k], v] for k, v in values.items() if row[k] != v}
            if not diff:
                return row
            done = conn.execute(update(P).where(P.c.uid == uid, P.c.version == version)
                                .values(**values, version=version + 1, updated_at=stamp))
            if done.rowcount != 1:  # saved by someone else between our read and our write
                self._conflict(conn, self._row(conn, uid), version, yours)
            conn.execute(insert(H).values(pellet_id=row["id"] if "id" in row else self._row(conn, uid, "id")["id"],
                                          at=stamp, who=self.user, action=action, version=version + 1, changes=diff))
            return self._row(conn, uid)

    def _conflict(self, conn, row: dict, version: int, yours: dict):
        pid = self._row(conn, row["uid"], "id")["id"]
        last = conn.execute(select(H.c.who, H.c.at).where(H.c.pellet_id == pid).order_by(H.c.id.desc())).first()
        who, at = (last.who, last.at[:19].replace("T", " ")) if last else ("someone", row["updated_at"])
        fields = ", ".join(yours) or "none"
        raise ConflictError(f"pellet {row['uid'][:8]} was saved by {who} at {at} UTC (version {row['version']}) after you "
                            f"opened version {version}; nothing was saved. Your changes ({fields}) are kept: reload the "
                            "record and save them again.", yours=dict(yours), current=row)


def _rows_of(table: dict[str, list]) -> list[dict]:
    names = list(table)
    return [dict(zip(names, values)) for values in zip(*table.values())] if names else []
