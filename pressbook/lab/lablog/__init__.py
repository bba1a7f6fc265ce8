"""The lab's pellet log: every pellet pressed, what was planned, predicted and measured (no widgets).

    models.py      SQLAlchemy tables: pellets, pellet_history (append-only), raw_files
    migrations/    Alembic migrations, run on open (an empty database is created, an old one upgraded)
    records.py     the record's fields (unit, range, meaning), validation of entered values, the prediction
    store.py       open_log(PRESSBOOK_DB) -> PelletLog: add, update, delete, restore, history, raw files
    stats.py       predicted vs measured, reproducibility, control charts, outliers, recalibration of a lot
    exchange.py    export / import of a round-robin package (zip: CSV + JSON + raw files)
    checklist.py   a minimum-reporting checklist of a record (Markdown / HTML)
    roles.py       PostgreSQL: a role per user, row-level security, insert-only history (who may do what)

Storage: SQLite by default (a file), PostgreSQL with PRESSBOOK_DB=postgresql+psycopg://...; the same code.
"""
_STORE = ("open_log", "PelletLog", "ConflictError", "LogError", "NotAllowedError", "current_user", "database_url")


def __getattr__(name):  # SQLAlchemy (the `lab` extra) is imported only when the log is used
    if name in _STORE:
        from . import store
        return getattr(store, name)
    if name in ("FIELDS", "library_version"):
        from . import records
        return getattr(records, name)
    raise AttributeError(name)


__all__ = ["open_log", "PelletLog", "ConflictError", "LogError", "NotAllowedError", "FIELDS", "current_user",
           "database_url", "library_version"]
