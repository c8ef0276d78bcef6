"""The simulator's reference for providers: its OpenAPI document and error codes."""

import json
from functools import cache
from pathlib import Path
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from mynaportal.simulator import error_codes, oauth

OPENAPI_FILE = Path(__file__).with_name("openapi.json")


@cache
def _openapi_document() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(OPENAPI_FILE.read_text(encoding="utf-8"))
    return document


@require_GET
def openapi(request: HttpRequest) -> HttpResponse:
    """``GET /api/openapi.json``: the document, served from this issuer."""
    document = {
        **_openapi_document(),
        "servers": [
            {"url": oauth.issuer(), "description": "This simulator (its issuer)"}
        ],
    }
    return JsonResponse(document, json_dumps_params={"ensure_ascii": False})


@require_GET
def errors(request: HttpRequest) -> HttpResponse:
    """``GET /errors/``: every error code, in Japanese with the English alongside."""
    return render(request, "simulator/errors.html", {"sections": error_codes.SECTIONS})
