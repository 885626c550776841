"""Insights: build the detectors' input from the database, store the survivors, list and acknowledge them."""
