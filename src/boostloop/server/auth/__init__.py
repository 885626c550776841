"""Accounts: users, passwords (argon2id), API tokens, dashboard sessions with CSRF protection."""
