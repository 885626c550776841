"""Boost effectiveness in the product: inputs from the database, the pure core's analysis, the API."""
