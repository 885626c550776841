"""Touchpoint ingestion and attribution reports (issue 3): hashing, use cases, queries, API schemas."""
