"""The committed OpenAPI document is the live one, and every operation declares its error answers."""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.core.management import call_command

from margin.api.openapi import openapi_document

COMMITTED = Path(settings.BASE_DIR) / "docs" / "openapi.json"
ERRORS = {"400", "401", "403", "404", "409", "422"}


def test_committed_schema_is_current() -> None:
    assert COMMITTED.exists(), "docs/openapi.json is missing: run `make schema`"
    assert COMMITTED.read_text(encoding="utf-8") == openapi_document(), (
        "The API changed but docs/openapi.json did not: run `make schema` and commit the result."
    )


def test_export_command_writes_the_document(tmp_path: Path) -> None:
    target = tmp_path / "out" / "openapi.json"
    call_command("export_openapi", str(target))
    text = target.read_text(encoding="utf-8")
    assert text == openapi_document()
    assert text.endswith("}\n")
    assert json.loads(text)["info"] == {
        "title": "Margin API",
        "version": "1",
        "description": json.loads(text)["info"]["description"],
    }


def test_every_operation_declares_every_error_in_the_error_shape() -> None:
    document = json.loads(openapi_document())
    operations = [(path, method, op) for path, methods in document["paths"].items() for method, op in methods.items()]
    assert len(operations) > 30
    for path, method, op in operations:
        declared = set(op["responses"])
        assert declared >= ERRORS, f"{method.upper()} {path} does not declare {ERRORS - declared}"
        for status in ERRORS:
            schema = op["responses"][status]["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/Error"}, (path, method, status)
        assert op.get("security"), f"{method.upper()} {path} is not protected"
    error = document["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"detail", "code"}
    assert set(error["properties"]) == {"detail", "code", "field", "errors"}
    schemes = document["components"]["securitySchemes"]
    assert {s["type"] for s in schemes.values()} == {"http", "apiKey"}


def test_no_two_schemas_share_a_component_name(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """django-ninja keys components by class name and silently keeps the last of two equal names: two
    `ChangeOut`s made six planning operations document the calendar's body. Every name must be one schema."""
    from ninja.openapi.schema import OpenAPISchema

    seen: dict[str, dict] = {}  # type: ignore[type-arg]
    clashes: set[str] = set()
    original = OpenAPISchema.add_schema_definitions

    def add(self: OpenAPISchema, definitions: dict) -> None:  # type: ignore[type-arg]
        for name, definition in definitions.items():
            if name in seen and seen[name] != definition:
                clashes.add(name)
            seen.setdefault(name, definition)
        original(self, definitions)

    monkeypatch.setattr(OpenAPISchema, "add_schema_definitions", add)
    openapi_document()
    assert not clashes, f"two different schemas share these names: {sorted(clashes)}"
