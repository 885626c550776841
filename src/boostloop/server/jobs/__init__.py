"""Scheduled jobs: a registry of named jobs, a database lease, a runner with retries, a scheduler."""
