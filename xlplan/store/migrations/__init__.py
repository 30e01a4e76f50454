"""Alembic's script folder for the store's schema: env.py and one revision per change in versions/.
Run through xlplan.store.upgrade (`xlplan upgrade-store`), never with an alembic.ini."""
