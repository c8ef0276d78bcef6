"""A provider's client for the Mynaportal simulator, written from docs/ alone.

It is what another service provider would write: nothing from the bank's code,
only ``requests`` and ``joserfc``. It makes its own keys, registers itself,
pushes an authorization request (``private_key_jwt``, PKCE S256), gets through
the authorization with the simulator's header layer (no browser), exchanges the
code, verifies the ID token, asks for the local-tax record, polls for the
result as the portal says, opens the sealed result and prints the latest
課税年度 and 給与収入額.

    python examples/provider_client.py http://127.0.0.1:8001

It exits with status 1 and a message on any failure.
"""

import argparse
import base64
import hashlib
import secrets
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from joserfc import jwe, jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, KeySet

LOCAL_TAX = "TM02010000000001"  # 地方税関係情報
REDIRECT_URI = "https://provider.example/callback"
JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
SIGNING_ALGORITHM = "ES256"
ENCRYPTION = ["ECDH-ES+A256KW", "A256GCM"]
CLOCK_SKEW = 60
TIMEOUT = 15
TRANSIENT = {429, 502, 503, 504}


class ClientFailure(Exception):
    """Anything that stops the client; the message says what and where."""


@dataclass
class Provider:
    """The provider's own keys and, once registered, its client id."""

    signing_key: ECKey
    encryption_key: ECKey
    client_id: str = ""

    @classmethod
    def with_new_keys(cls) -> "Provider":
        return cls(
            signing_key=ECKey.generate_key(
                "P-256",
                parameters={"use": "sig", "alg": SIGNING_ALGORITHM},
                auto_kid=True,
            ),
            encryption_key=ECKey.generate_key(
                "P-256",
                parameters={"use": "enc", "alg": ENCRYPTION[0]},
                auto_kid=True,
            ),
        )

    def public_jwks(self) -> dict[str, Any]:
        keys = [self.signing_key, self.encryption_key]
        return {"keys": [key.as_dict(private=False) for key in keys]}

    def assertion(self, issuer: str) -> dict[str, str]:
        """A fresh ``private_key_jwt`` client assertion: new jti, 60 s of life."""
        now = int(time.time())
        claims = {
            "iss": self.client_id,
            "sub": self.client_id,
            "aud": issuer,
            "jti": secrets.token_urlsafe(16),
            "iat": now,
            "exp": now + 60,
        }
        header = {"alg": SIGNING_ALGORITHM, "kid": self.signing_key.kid}
        return {
            "client_id": self.client_id,
            "client_assertion_type": JWT_BEARER,
            "client_assertion": jwt.encode(header, claims, self.signing_key),
        }


class Portal:
    """The portal as its metadata describes it, with its published keys."""

    def __init__(self, base_url: str) -> None:
        self.http = requests.Session()
        metadata = self.get_json(f"{base_url}/.well-known/oauth-authorization-server")
        self.issuer = _text(metadata, "issuer")
        if self.issuer != base_url:
            raise ClientFailure(f"issuer {self.issuer!r} is not {base_url!r}")
        self.metadata = metadata
        self._keys: KeySet | None = None

    def endpoint(self, name: str) -> str:
        return _text(self.metadata, name)

    def get_json(self, url: str) -> dict[str, Any]:
        answer = self.http.get(url, timeout=TIMEOUT)
        return _json(answer, f"GET {url}", expected=200)

    def post(
        self,
        url: str,
        *,
        form: Callable[[], dict[str, str]] | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        """POST, retrying transient answers after their Retry-After (three tries).

        A form is built anew for every try, so that each carries a new client
        assertion (a jti is accepted once).
        """
        for attempt in range(3):
            if form is not None:
                kwargs["data"] = form()
            answer = self.http.post(url, timeout=TIMEOUT, **kwargs)
            if answer.status_code not in TRANSIENT or attempt == 2:
                return answer
            time.sleep(_retry_after(answer.headers.get("Retry-After"), 2**attempt))
        raise AssertionError("unreachable")

    def keys(self, *, refresh: bool = False) -> KeySet:
        if self._keys is None or refresh:
            self._keys = KeySet.import_key_set(
                self.get_json(self.endpoint("jwks_uri"))  # type: ignore[arg-type]
            )
        return self._keys

    def verified_claims(self, token: str, audience: str, what: str) -> dict[str, Any]:
        """Verify a JWS of the portal (ES256, a published kid) and its iss/aud/exp."""
        try:
            kid = jws.extract_compact(token.encode()).headers().get("kid")
        except (JoseError, ValueError) as error:
            raise ClientFailure(f"{what} is not a compact JWS: {error}") from None
        if not isinstance(kid, str) or not kid:
            raise ClientFailure(f"{what} names no kid")
        keys = self.keys()
        if all(key.kid != kid for key in keys.keys):
            keys = self.keys(refresh=True)  # the portal may have rotated its key
        try:
            claims = dict(
                jwt.decode(token, keys, algorithms=[SIGNING_ALGORITHM]).claims
            )
        except (JoseError, ValueError) as error:
            raise ClientFailure(f"{what} does not verify: {error}") from None

        now = int(time.time())
        if claims.get("iss") != self.issuer:
            raise ClientFailure(f"{what}: iss {claims.get('iss')!r} is not the issuer")
        if claims.get("aud") != audience:
            raise ClientFailure(f"{what}: aud {claims.get('aud')!r} is not us")
        if not isinstance(claims.get("exp"), int) or claims["exp"] < now - CLOCK_SKEW:
            raise ClientFailure(f"{what} has expired")
        if not isinstance(claims.get("iat"), int) or claims["iat"] > now + CLOCK_SKEW:
            raise ClientFailure(f"{what} was issued in the future")
        return claims


def register(portal_url: str, provider: Provider) -> None:
    """POST /api/v1/clients: the simulator hands out the client_id."""
    answer = requests.post(
        f"{portal_url}/api/v1/clients",
        json={
            "name": "サンプル信用金庫",
            "purpose": "カードローンの審査",
            "redirect_uris": [REDIRECT_URI],
            "jwks": provider.public_jwks(),
            "tm_codes": [LOCAL_TAX],
            "consent_days": 30,
        },
        timeout=TIMEOUT,
    )
    provider.client_id = _text(_json(answer, "registration", expected=201), "client_id")


@dataclass(frozen=True)
class Authorization:
    """What the client keeps between the PAR and the callback."""

    state: str
    nonce: str
    code_verifier: str


def push_authorization(portal: Portal, provider: Provider) -> tuple[str, Authorization]:
    """POST /oauth/par with PKCE S256; returns the request_uri and what to keep."""
    flow = Authorization(
        state=secrets.token_urlsafe(24),
        nonce=secrets.token_urlsafe(24),
        code_verifier=secrets.token_urlsafe(48),
    )
    challenge = hashlib.sha256(flow.code_verifier.encode("ascii")).digest()
    answer = portal.post(
        portal.endpoint("pushed_authorization_request_endpoint"),
        form=lambda: {
            **provider.assertion(portal.issuer),
            "response_type": "code",
            "redirect_uri": REDIRECT_URI,
            "state": flow.state,
            "nonce": flow.nonce,
            "code_challenge": base64.urlsafe_b64encode(challenge).rstrip(b"=").decode(),
            "code_challenge_method": "S256",
            "tm_codes": LOCAL_TAX,
            "query_condition": '{"mode": "latest"}',
        },
    )
    return _text(_json(answer, "PAR", expected=201), "request_uri"), flow


def authorize(
    portal: Portal,
    provider: Provider,
    request_uri: str,
    flow: Authorization,
    persona: str,
    pin: str,
) -> str:
    """The header layer: consent and the card's PIN without the screens.

    The redirect is read, never followed: its iss and state are checked before
    anything else, as a browser callback would check them.
    """
    answer = portal.http.get(
        portal.endpoint("authorization_endpoint"),
        params={"client_id": provider.client_id, "request_uri": request_uri},
        headers={"X-Simulator-Persona": persona, "X-Simulator-Pin": pin},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    if answer.status_code != 303:
        raise ClientFailure(f"authorize answered {answer.status_code}, not 303")
    location = urlsplit(answer.headers.get("Location", ""))
    if f"{location.scheme}://{location.netloc}{location.path}" != REDIRECT_URI:
        raise ClientFailure("the redirect does not go to our redirect_uri")
    query = {name: values[0] for name, values in parse_qs(location.query).items()}
    if query.get("iss") != portal.issuer:
        raise ClientFailure(f"the redirect's iss {query.get('iss')!r} is wrong")
    if query.get("state") != flow.state:
        raise ClientFailure("the redirect's state is not ours")
    if "error" in query:
        description = query.get("error_description", "")
        raise ClientFailure(f"authorization refused: {query['error']} {description}")
    if not query.get("code"):
        raise ClientFailure("the redirect holds no code")
    return query["code"]


def exchange_code(
    portal: Portal, provider: Provider, code: str, flow: Authorization
) -> tuple[str, str]:
    """POST /oauth/token; returns the access token and the verified ID token's sub."""
    answer = portal.post(
        portal.endpoint("token_endpoint"),
        form=lambda: {
            **provider.assertion(portal.issuer),
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "code_verifier": flow.code_verifier,
        },
    )
    tokens = _json(answer, "token", expected=200)
    if tokens.get("token_type") != "Bearer":
        raise ClientFailure("the token type is not Bearer")
    claims = portal.verified_claims(
        _text(tokens, "id_token"), provider.client_id, "ID token"
    )
    if claims.get("nonce") != flow.nonce:
        raise ClientFailure("the ID token's nonce is not ours")
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject:
        raise ClientFailure("the ID token has no sub")
    return _text(tokens, "access_token"), subject


def request_information(portal: Portal, access_token: str) -> str:
    """POST /request with an Idempotency-Key; returns the process_id."""
    answer = portal.post(
        portal.endpoint("self_information_request_endpoint"),
        json={"tm_codes": [LOCAL_TAX]},
        headers={
            "Authorization": f"Bearer {access_token}",
            "Idempotency-Key": str(uuid.uuid4()),
        },
    )
    accepted = _json(answer, "request", expected=200)
    deferred = accepted.get("deferred")
    if isinstance(deferred, dict):
        print(
            f"deferred: {deferred.get('server_name')} is stopped"
            f" ({deferred.get('reason')}) until {deferred.get('available_at')}",
            file=sys.stderr,
        )
    elif isinstance(hint := accepted.get("retry_after"), int) and hint > 0:
        # The portal says when the result should be ready: no earlier call.
        time.sleep(min(hint, 30))
    return _text(accepted, "process_id")


def wait_for_result(
    portal: Portal, access_token: str, process_id: str, max_wait: float
) -> str:
    """POST /result until it is completed, waiting as long as the portal says."""
    deadline = time.monotonic() + max_wait
    while True:
        answer = portal.post(
            portal.endpoint("self_information_result_endpoint"),
            json={"process_id": process_id},
            headers={"Authorization": f"Bearer {access_token}"},
        )
        result = _json(answer, "result", expected=200)
        status = result.get("status")
        if status == "completed":
            return _text(result, "result")
        if status == "error" and result.get("error") != "middle_server_unavailable":
            raise ClientFailure(
                f"final result error: {result.get('error')}"
                f" ({result.get('error_description', '')})"
            )
        if status not in {"processing", "error"}:
            raise ClientFailure(f"unknown result status {status!r}")

        wait = _retry_after(result.get("retry_after"), 60)
        if time.monotonic() + wait > deadline:
            raise ClientFailure(
                f"the result is not ready within {max_wait:.0f} s"
                f" ({result.get('error', status)}, retry_after {wait:.0f} s)"
            )
        time.sleep(wait)


def open_result(
    portal: Portal, provider: Provider, sealed: str, subject: str, process_id: str
) -> list[dict[str, Any]]:
    """Decrypt the JWE with our key, then verify the portal's JWS inside it."""
    try:
        signed = jwe.decrypt_compact(
            sealed, provider.encryption_key, algorithms=ENCRYPTION
        ).plaintext
    except (JoseError, ValueError) as error:
        raise ClientFailure(f"the result does not decrypt: {error}") from None
    claims = portal.verified_claims(
        (signed or b"").decode(), provider.client_id, "result"
    )
    if claims.get("sub") != subject:
        raise ClientFailure("the result is about another person")
    if claims.get("process_id") != process_id:
        raise ClientFailure("the result is of another process")
    data = claims.get("selfPersonalData")
    if not isinstance(data, list):
        raise ClientFailure("the result holds no selfPersonalData")
    return data


def latest_local_tax(data: list[dict[str, Any]]) -> dict[str, Any]:
    """The items of the latest 課税年度 in the local-tax entry."""
    entry = next((e for e in data if e.get("tm_code") == LOCAL_TAX), None)
    records = entry.get("records") if isinstance(entry, dict) else None
    if not isinstance(records, list) or not records:
        raise ClientFailure("the result has no local-tax record")
    items = [r.get("items") for r in records if isinstance(r, dict)]
    dated = [i for i in items if isinstance(i, dict) and "taxable_year" in i]
    if not dated:
        raise ClientFailure("no local-tax record has a 課税年度")
    return max(dated, key=lambda item: int(item["taxable_year"]))


def run(portal_url: str, persona: str, pin: str, max_wait: float) -> None:
    portal = Portal(portal_url)
    provider = Provider.with_new_keys()
    register(portal_url, provider)
    print(f"client_id: {provider.client_id}")

    request_uri, flow = push_authorization(portal, provider)
    code = authorize(portal, provider, request_uri, flow, persona, pin)
    access_token, subject = exchange_code(portal, provider, code, flow)
    process_id = request_information(portal, access_token)
    sealed = wait_for_result(portal, access_token, process_id, max_wait)
    items = latest_local_tax(open_result(portal, provider, sealed, subject, process_id))

    print(f"課税年度: {items['taxable_year']}")
    print(f"給与収入額: {items.get('salary_revenue')}")


def _json(answer: requests.Response, what: str, *, expected: int) -> dict[str, Any]:
    try:
        body = answer.json()
    except ValueError:
        raise ClientFailure(
            f"{what} answered {answer.status_code} without JSON"
        ) from None
    if answer.status_code != expected or not isinstance(body, dict):
        error = body.get("error") if isinstance(body, dict) else body
        description = (
            body.get("error_description", "") if isinstance(body, dict) else ""
        )
        raise ClientFailure(
            f"{what} answered {answer.status_code}: {error} {description}"
        )
    return body


def _text(data: dict[str, Any], name: str) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value:
        raise ClientFailure(f"the answer has no {name}")
    return value


def _retry_after(value: object, default: float) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return max(1.0, float(value))
    if isinstance(value, str) and value.isdigit():
        return max(1.0, float(value))
    return default


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="A provider's client for the Mynaportal simulator."
    )
    parser.add_argument("portal_url", help="the simulator, e.g. http://127.0.0.1:8001")
    parser.add_argument("--persona", default="yamada-hanako")
    parser.add_argument("--pin", default="1234")
    parser.add_argument(
        "--max-wait", type=float, default=120, help="seconds to wait for a result"
    )
    arguments = parser.parse_args(argv)
    try:
        run(
            arguments.portal_url.rstrip("/"),
            arguments.persona,
            arguments.pin,
            arguments.max_wait,
        )
    except ClientFailure as failure:
        print(f"provider_client: {failure}", file=sys.stderr)
        return 1
    except requests.RequestException as error:
        print(f"provider_client: cannot reach the portal: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
