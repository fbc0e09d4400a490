"""The service's database: one engine, one MetaData, Alembic migrations."""
