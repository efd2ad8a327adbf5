from alembic import context

import counter.models  # noqa: F401  (registers the tables)
from sqlmodel import SQLModel

target_metadata = SQLModel.metadata


def include_object(obj, name, type_, reflected, compare_to):  # type: ignore[no-untyped-def]
    # the FTS5 index and its shadow tables are created by hand in 0001
    return not (type_ == "table" and name is not None and name.startswith("dossier_fts"))


def run_migrations_online() -> None:
    engine = context.config.attributes["engine"]
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True,
                          include_object=include_object)
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
