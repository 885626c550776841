"""Workspaces, users and memberships."""
