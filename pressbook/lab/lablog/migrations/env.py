"""Alembic environment: run on the connection that ``store.migrate`` passes in ``config.attributes``."""
from alembic import context

from pressbook.lab.lablog.models import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
