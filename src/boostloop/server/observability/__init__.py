"""Metrics (Prometheus), JSON logs with a request id, health and readiness."""
