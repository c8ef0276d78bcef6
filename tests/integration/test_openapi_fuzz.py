"""Schemathesis against the running simulator's own OpenAPI document.

Every documented operation is called with generated data (valid and invalid):
no answer may be a server error, and every answer must conform to the document
(status, content type, headers, body). The operations that change state other
tests rely on (the clock, forced servers, faults, keys, grants, notices, client
registration and lifecycle, the control panel's forms) are not fuzzed; a
separate test checks that the document lists them.
"""

import json
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from joserfc import jwt
from joserfc.jwk import ECKey, KeySet
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi import checks

from tests.conftest import Portal

ROUTES = Path(__file__).parents[2] / "mynaportal" / "simulator" / "urls.py"

CLIENT_ID = "SP12345678_AB1234"
MAX_EXAMPLES = 10
JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
# Operations fuzzing would let loose on state the rest of the suite shares.
STATE_CHANGING = {
    ("POST", "/api/v1/control/clock"),
    ("POST", "/api/v1/control/servers"),
    ("POST", "/api/v1/control/faults"),
    ("POST", "/api/v1/control/keys"),
    ("POST", "/api/v1/control/grants"),
    ("POST", "/api/v1/control/notifications"),
    ("POST", "/api/v1/clients"),
    ("POST", "/api/v1/clients/{client_id}"),
    ("POST", "/api/v1/clients/{client_id}/lifecycle"),
    ("POST", "/control/clock"),
    ("POST", "/control/server"),
    ("POST", "/control/notification"),
    ("POST", "/control/clients/register"),
    ("POST", "/control/clients/{client_id}/lifecycle"),
    ("POST", "/api/v1/personas"),
    ("POST", "/control/personas/import"),
    # Random PINs would lock the shared personas' cards.
    ("POST", "/api/v1/card-reader/sign"),
}
CHECKS = [
    not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
    checks.negative_data_rejection,
]


@pytest.fixture(scope="session")
def portal_schema(portal: Portal) -> Any:
    return schemathesis.openapi.from_url(f"{portal.url}/api/openapi.json")


@dataclass(frozen=True)
class Credentials:
    """What lets generated cases past authentication, to reach deeper checks."""

    issuer: str
    signing_key: ECKey
    redirect_uri: str
    access_token: str

    def client_assertion(self) -> dict[str, str]:
        now = int(time.time())
        claims = {
            "iss": CLIENT_ID,
            "sub": CLIENT_ID,
            "aud": self.issuer,
            "jti": secrets.token_urlsafe(16),
            "iat": now,
            "exp": now + 60,
        }
        header = {"alg": "ES256", "kid": self.signing_key.kid}
        return {
            "client_id": CLIENT_ID,
            "client_assertion_type": JWT_BEARER,
            "client_assertion": jwt.encode(header, claims, self.signing_key),
        }

    def prepare(self, case: Any) -> None:
        """Drop injected faults; authenticate valid (positive) cases."""
        headers = dict(case.headers or {})
        # An injected fault answers as asked (a 5xx, cut-off JSON), by design.
        headers.pop("X-Simulator-Fault", None)
        case.headers = headers
        if case.meta is not None and case.meta.generation.mode.is_negative:
            return
        if case.path in {"/request", "/result"}:
            case.headers["Authorization"] = f"Bearer {self.access_token}"
        authenticated = {"/oauth/token", "/oauth/revoke"}
        if case.path in authenticated and isinstance(case.body, dict):
            case.body = {**case.body, **self.client_assertion()}
        if case.path == "/oauth/par" and isinstance(case.body, dict):
            registered = {"redirect_uri": self.redirect_uri}
            case.body = {**case.body, **self.client_assertion(), **registered}


@pytest.fixture(scope="session")
def credentials(portal: Portal, client_keys: Path) -> Credentials:
    """The bank's client: its key, its callback, and a live access token."""
    keys = KeySet.import_key_set(json.loads(client_keys.read_text()))
    key = next(key for key in keys.keys if key.get("use") == "sig")
    client = requests.get(f"{portal.url}/api/v1/clients/{CLIENT_ID}", timeout=10)
    grants = requests.post(
        f"{portal.url}/api/v1/control/grants",
        json={"client_id": CLIENT_ID, "persona": "yamada-hanako"},
        timeout=10,
    )
    assert grants.status_code == 200, grants.text
    return Credentials(
        issuer=portal.url,
        signing_key=cast(ECKey, key),
        redirect_uri=client.json()["redirect_uris"][0],
        access_token=grants.json()["grants"][0]["access_token"],
    )


def described(error: BaseException) -> str:
    """A failure with its reproduction (schemathesis puts it in the notes)."""
    parts = [str(error), *getattr(error, "__notes__", [])]
    if isinstance(error, BaseExceptionGroup):
        parts.extend(str(inner) for inner in error.exceptions)
    return "\n".join(parts)


def fuzzed_operations(schema: Any) -> list[Any]:
    operations = [result.ok() for result in schema.get_all_operations()]
    return [
        operation
        for operation in operations
        if (operation.method.upper(), operation.path) not in STATE_CHANGING
    ]


def modes(operation: Any) -> list[GenerationMode]:
    """Negative cases only where there is something to make invalid."""
    has_input = operation.body or any(True for _ in operation.query)
    if has_input:
        return [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]
    return [GenerationMode.POSITIVE]


def test_every_answer_conforms_to_the_document(
    portal_schema: Any, credentials: Credentials
) -> None:
    failures: list[str] = []
    for operation in fuzzed_operations(portal_schema):
        for mode in modes(operation):

            @settings(
                max_examples=MAX_EXAMPLES,
                deadline=None,
                database=None,
                derandomize=True,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def fuzz(case: Any) -> None:
                credentials.prepare(case)
                case.call_and_validate(checks=CHECKS, timeout=30)

            try:
                fuzz()
            except Unsatisfiable:
                # Nothing of the operation can be made invalid (no body, only
                # free-form strings): its negative run has no case to send.
                assert mode is GenerationMode.NEGATIVE, operation.label
            except (Exception, BaseExceptionGroup) as error:
                failures.append(f"{operation.label} ({mode.value}): {described(error)}")

    assert not failures, "\n\n".join(failures)


def test_the_document_lists_the_state_changing_operations(portal: Portal) -> None:
    document = requests.get(f"{portal.url}/api/openapi.json", timeout=10).json()

    listed = {
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    }
    assert listed >= STATE_CHANGING
    assert document["servers"] == [
        {"url": portal.url, "description": "This simulator (its issuer)"}
    ]
    assert "resultReady" in document["webhooks"]
    assert all(re.match(r"^/", path) for path in document["paths"])


def test_the_document_lists_every_route_of_the_simulator(portal: Portal) -> None:
    document = requests.get(f"{portal.url}/api/openapi.json", timeout=10).json()
    routes = re.findall(r'path\(\s*"([^"]*)"', ROUTES.read_text())

    documented = {"/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route) for route in routes}
    assert documented - set(document["paths"]) == set()
