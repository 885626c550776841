"""The pure analytics core: no database, no web, no clock (DESIGN.md). Imports nothing from server."""
