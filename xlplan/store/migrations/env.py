"""Alembic's environment for the store: run on the connection xlplan.store.upgrade hands over (in
its transaction, under the store's write lock), never from a URL in a config file."""

from alembic import context

from xlplan.store.schema import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata,
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
