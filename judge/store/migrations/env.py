"""Alembic's environment: migrations run on the connection ``Database.migrate`` hands over (online only)."""

from __future__ import annotations

from alembic import context

from judge.store.db import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - the judge always passes its connection
    raise RuntimeError("run migrations through `judge serve init` (judge.store.db.Database.migrate)")
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
