"""Alembic migrations of the server's database (run by ``judge.store.db.Database.migrate``)."""
