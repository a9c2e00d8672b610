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
