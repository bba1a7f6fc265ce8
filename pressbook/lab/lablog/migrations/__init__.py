"""Alembic migrations of the pellet log, run programmatically by ``store.migrate`` (no alembic.ini)."""
