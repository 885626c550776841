"""Bringing real data in: the ingest service (batches of rows), file importers, and backfill of past boosts."""
