"""Database: the declarative base, column types, engine and session scopes, migrations."""
