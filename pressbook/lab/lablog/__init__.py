"""The lab's pellet log: every pellet pressed, what was planned, predicted and measured (no widgets).

    models.py      SQLAlchemy tables: pellets, pellet_history (append-only), raw_files
    migrations/    Alembic migrations, run on open (an empty database is created, an old one upgraded)
    records.py     the record's fields (unit, range, meaning), validation of entered values, the prediction
    store.py       open_log(PRESSBOOK_DB) -> PelletLog: add, update, delete, restore, history, raw files
    stats.py       predicted vs measured, reproducibility, control charts, outliers, recalibration of a lot
    exchange.py    export / import of a round-robin package (zip: CSV + JSON + raw files)
    checklist.py   a minimum-reporting checklist of a record (Markdown / HTML)

Storage: SQLite by default (a file), PostgreSQL with PRESSBOOK_DB=postgresql+psycopg://...; the same code.
"""
from .records import FIELDS, library_version
from .store import ConflictError, LogError, NotAllowedError, PelletLog, current_user, database_url, open_log

__all__ = ["open_log", "PelletLog", "ConflictError", "LogError", "NotAllowedError", "FIELDS", "current_user",
           "database_url", "library_version"]
