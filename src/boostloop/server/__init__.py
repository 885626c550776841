"""The product around the analytics core: settings, database, domains, API, jobs, dashboard."""
