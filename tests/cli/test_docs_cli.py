"""``boostloop docs api``: the OpenAPI document rendered to Markdown, and the committed copy kept in sync."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from boostloop.cli import app
from boostloop.cli.docs import app_openapi, render_markdown, type_of

runner = CliRunner()
COMMITTED = Path(__file__).resolve().parents[2] / "docs" / "api-reference.md"

THING = {"$ref": "#/components/schemas/ThingIn"}
SPEC = {
    "openapi": "3.1.0",
    "info": {"title": "T", "version": "9.9"},
    "paths": {
        "/things/{thing_id}": {
            "patch": {
                "tags": ["things"],
                "summary": "Change a thing",
                "parameters": [
                    {"name": "thing_id", "in": "path", "required": True,
                     "schema": {"type": "string", "format": "uuid"}, "description": "The thing."},
                    {"name": "limit", "in": "query", "required": False,
                     "schema": {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}},
                ],
                "requestBody": {"required": True, "content": {"application/json": {"schema": THING}}},
                "responses": {
                    "200": {"description": "OK", "content": {"application/json": {"schema": THING}}},
                    "204": {"description": "Gone"},
                },
            }
        },
        "/ping": {"get": {"summary": "Ping", "security": [], "responses": {"200": {"description": "pong"}}}},
    },
    "components": {
        "schemas": {
            "ThingIn": {
                "type": "object",
                "description": "A thing.",
                "properties": {
                    "kind": {"type": "string", "enum": ["A", "B"]},
                    "note": {"anyOf": [{"type": "string", "maxLength": 10}, {"type": "null"}]},
                },
                "required": ["kind"],
                "additionalProperties": False,
                "examples": [{"kind": "A", "note": "hi"}],
            }
        }
    },
}


def test_types_are_rendered_readably() -> None:
    assert type_of({"type": "string", "format": "uuid"}) == "string (uuid)"
    nullable = {"anyOf": [{"$ref": "#/components/schemas/X"}, {"type": "null"}]}
    assert type_of(nullable) == "[X](#schema-x) | null"
    assert type_of({"type": "array", "items": {"enum": ["A", "B"]}}) == 'array of "A" | "B"'
    assert type_of({"type": "object", "additionalProperties": {"type": "integer"}}) == "object of integer"
    assert type_of({}) == "any"


def test_small_document_renders_every_part() -> None:
    text = render_markdown(SPEC)
    lines = text.splitlines()
    assert "Boostloop 9.9, OpenAPI 3.1.0." in text
    # grouped by tag, untagged operations under "other", in document order
    assert "- **things**: `PATCH /things/{thing_id}`" in lines and "- **other**: `GET /ping`" in lines
    assert lines.index("## things") < lines.index("## other") < lines.index("## Schemas")
    assert "### `PATCH /things/{thing_id}`" in lines and "Change a thing" in lines
    assert "| `thing_id` | path | string (uuid) | yes | The thing. |" in lines
    assert "| `limit` | query | integer | no | (min 1, max 200) Default `50`. |" in lines
    assert "Request body (required, `application/json`): [ThingIn](#schema-thingin)" in lines
    assert "| 200 | OK | [ThingIn](#schema-thingin) (`application/json`) |" in lines
    assert "| 204 | Gone | - |" in lines
    assert "No authentication." in lines  # /ping overrides security with []
    # the schema: anchor, description, fields (pipes escaped inside the table), strictness, example
    assert '<a id="schema-thingin"></a>' in lines and "A thing." in lines
    assert '| `kind` | "A" \\| "B" | yes |  |' in lines
    assert "| `note` | string \\| null | no | (max length 10) |" in lines
    assert "Unknown fields are rejected (422)." in lines
    start = lines.index("Example:")
    assert lines[start + 2:start + 7] == ["```json", "{", '  "kind": "A",', '  "note": "hi"', "}"]


def test_every_operation_and_schema_of_the_app_is_in_the_reference() -> None:
    spec = app_openapi()
    text = render_markdown(spec)
    for path, item in spec["paths"].items():
        for method in item:
            assert f"### `{method.upper()} {path}`" in text
    for name in spec["components"]["schemas"]:
        assert f"### {name}\n" in text


def test_committed_reference_is_a_fresh_render() -> None:
    """Fails when an endpoint or schema changed without `boostloop docs api -o docs/api-reference.md`."""

    assert COMMITTED.read_text(encoding="utf-8") == render_markdown(app_openapi()), (
        "docs/api-reference.md is stale: run `boostloop docs api --output docs/api-reference.md`"
    )


def test_cli_writes_and_checks(tmp_path: Path) -> None:
    out = tmp_path / "ref.md"
    res = runner.invoke(app, ["docs", "api", "--output", str(out)])
    assert res.exit_code == 0, res.output
    assert out.read_text(encoding="utf-8") == COMMITTED.read_text(encoding="utf-8")
    assert runner.invoke(app, ["docs", "api", "--output", str(out), "--check"]).exit_code == 0

    out.write_text(out.read_text(encoding="utf-8").replace("## boosts", "## boost"), encoding="utf-8")
    stale = out.read_text(encoding="utf-8")
    res = runner.invoke(app, ["docs", "api", "--output", str(out), "--check"])
    assert res.exit_code == 1 and "out of date" in res.output
    assert out.read_text(encoding="utf-8") == stale  # --check writes nothing
    assert runner.invoke(app, ["docs", "api", "--check"]).exit_code == 2


def test_cli_prints_to_stdout_without_output() -> None:
    res = runner.invoke(app, ["docs", "api"])
    assert res.exit_code == 0 and res.stdout.startswith("# API reference\n")
