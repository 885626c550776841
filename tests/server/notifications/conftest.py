from tests.server.api.conftest import app, client, fast_argon2, tenancy  # noqa: F401 - shared API fixtures
