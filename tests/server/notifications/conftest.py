from tests.server.api.conftest import app, client, tenancy  # noqa: F401 - shared API fixtures
