"""The store's schema revisions, oldest first (SCHEMA_REVISIONS in xlplan/store/schema.py)."""
