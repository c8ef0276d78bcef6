"""The one seam for calls to Mynaportal.

Every call sets a timeout, checks the shape of the answer, and raises either
``TransientPortalError`` (worth retrying later) or ``PermanentPortalError``.
Logs name the endpoint and the status, never a body: bodies carry tokens and
personal data.
"""

import functools
import logging
import os
import secrets
import threading
import time
from http.cookiejar import DefaultCookiePolicy
from typing import Any

import requests
from joserfc import jwt
from joserfc.jwk import KeySet

from mynaportal.client import conf
from mynaportal.client.keys import SIGNING_ALGORITHM, signing_key
from mynaportal.client.models import RetrievalEvent
from mynaportal.jose_display import decoded, jwe_header

logger = logging.getLogger(__name__)

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ASSERTION_LIFETIME = 60
MAX_BODY_BYTES = 1_000_000
TRANSIENT_STATUSES = {408, 425, 429, 500, 502, 503, 504}


class PortalError(Exception):
    """A call to the portal failed; ``code`` is safe to store and show."""

    permanent = True

    def __init__(self, code: str, *, retry_after: int | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.retry_after = retry_after


class PermanentPortalError(PortalError):
    pass


class TransientPortalError(PortalError):
    permanent = False


# The portal's metadata and keys, per process and issuer, for a few minutes:
# every task would otherwise fetch both before its one real call.
CACHE_SECONDS = 300
_cache: dict[tuple[str, str], tuple[float, Any]] = {}


def _cached(kind: str) -> Any:
    entry = _cache.get((conf.issuer(), kind))
    if entry is None or time.monotonic() - entry[0] > CACHE_SECONDS:
        return None
    return entry[1]


def _remember(kind: str, value: Any) -> Any:
    _cache[(conf.issuer(), kind)] = (time.monotonic(), value)
    return value


class PortalSession:
    """Calls to one portal, with its metadata and keys cached for a while.

    Each call is noted on the retrieval it serves (for the developer page's
    timeline); calls made before the retrieval exists are noted on ``attach``.
    """

    def __init__(self, retrieval_id: str | None = None) -> None:
        self.http = _http()
        self.retrieval_id = retrieval_id
        self._pending: list[dict[str, Any]] = []

    def attach(self, retrieval_id: str) -> None:
        """From now on, note calls on this retrieval, and those made so far."""
        self.retrieval_id = retrieval_id
        RetrievalEvent.objects.bulk_create(
            RetrievalEvent(retrieval_id=retrieval_id, **event)
            for event in self._pending
        )
        self._pending = []

    def _note(
        self, name: str, status: int, started: float, body: dict[str, Any]
    ) -> None:
        event = {
            "step": name,
            "status": status,
            "duration_ms": int((time.monotonic() - started) * 1000),
            "summary": _summary(name, body),
        }
        if self.retrieval_id is None:
            self._pending.append(event)
        else:
            RetrievalEvent.objects.create(retrieval_id=self.retrieval_id, **event)

    def metadata(self) -> dict[str, Any]:
        """The portal's authorization server metadata, with the issuer checked."""
        metadata = _cached("metadata")
        if metadata is not None:
            return dict(metadata)

        url = conf.issuer() + "/.well-known/oauth-authorization-server"
        metadata = self._get_json(url, "metadata")
        if metadata.get("issuer") != conf.issuer():
            logger.warning("Portal metadata names another issuer")
            raise PermanentPortalError("issuer_mismatch")
        return dict(_remember("metadata", metadata))

    def endpoint(self, name: str) -> str:
        url = self.metadata().get(name)
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            raise PermanentPortalError("metadata_incomplete")
        return url

    def jwks(self, *, refresh: bool = False) -> KeySet:
        """The portal's published keys; ``refresh`` fetches them again."""
        keys = None if refresh else _cached("jwks")
        if keys is not None:
            return keys  # type: ignore[no-any-return]

        body = self._get_json(self.endpoint("jwks_uri"), "jwks")
        try:
            keys = KeySet.import_key_set(body)  # type: ignore[arg-type]
        except (ValueError, KeyError, TypeError):
            raise PermanentPortalError("jwks_malformed") from None
        return _remember("jwks", keys)  # type: ignore[no-any-return]

    def push_authorization_request(self, params: dict[str, str]) -> str:
        """PAR (RFC 9126): push the request, get the ``request_uri`` back."""
        body = self._post_form("pushed_authorization_request_endpoint", params, "par")
        request_uri = body.get("request_uri")
        if not isinstance(request_uri, str) or not request_uri:
            raise PermanentPortalError("par_malformed")
        return request_uri

    def token(self, params: dict[str, str]) -> dict[str, Any]:
        """IF001-03: exchange a code or a refresh token."""
        body = self._post_form("token_endpoint", params, "token")
        if not isinstance(body.get("access_token"), str):
            raise PermanentPortalError("token_malformed")
        return body

    def request(
        self, access_token: str, tm_codes: list[str], *, idempotency_key: str
    ) -> dict[str, Any]:
        """IF001-04: ask for the information; the answer holds the ``process_id``."""
        body = self._post_json(
            "self_information_request_endpoint",
            access_token,
            {"tm_codes": tm_codes},
            {"Idempotency-Key": idempotency_key},
        )
        process_id = body.get("process_id")
        if not isinstance(process_id, str) or not 0 < len(process_id) <= 100:
            raise PermanentPortalError("request_malformed")
        return body

    def result(self, access_token: str, process_id: str) -> dict[str, Any]:
        """IF001-06: ask for the result of a process."""
        return self._post_json(
            "self_information_result_endpoint", access_token, {"process_id": process_id}
        )

    def kiosk_consent(self, params: dict[str, str]) -> dict[str, Any]:
        """The kiosk variant (§3.3 ③): send the consent, get the card challenge."""
        body = self._post_form("kiosk_consent_endpoint", params, "kiosk_consent")
        handle, challenge = body.get("kiosk_request"), body.get("challenge")
        if not isinstance(handle, str) or not isinstance(challenge, str):
            raise PermanentPortalError("kiosk_consent_malformed")
        return body

    def kiosk_identity(self, params: dict[str, str]) -> dict[str, Any]:
        """The kiosk variant (§3.3 ⑤): the card's signature for the tokens."""
        body = self._post_form("kiosk_identity_endpoint", params, "kiosk_identity")
        if not isinstance(body.get("access_token"), str):
            raise PermanentPortalError("token_malformed")
        return body

    def revoke(self, refresh_token: str) -> None:
        """Withdraw the consent at the portal (RFC 7009)."""
        params = {"token": refresh_token, "token_type_hint": "refresh_token"}
        self._post_form("revocation_endpoint", params, "revoke")

    def _client_assertion(self) -> dict[str, str]:
        key = signing_key()
        now = int(time.time())
        claims = {
            "iss": conf.client_id(),
            "sub": conf.client_id(),
            "aud": conf.issuer(),
            "jti": secrets.token_urlsafe(24),
            "iat": now,
            "exp": now + ASSERTION_LIFETIME,
        }
        header = {"alg": SIGNING_ALGORITHM, "kid": key.kid, "typ": "JWT"}
        return {
            "client_id": conf.client_id(),
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": jwt.encode(
                header, claims, key, algorithms=[SIGNING_ALGORITHM]
            ),
        }

    def _get_json(self, url: str, name: str) -> dict[str, Any]:
        return self._send(name, "GET", url)

    def _post_form(
        self, endpoint: str, params: dict[str, str], name: str
    ) -> dict[str, Any]:
        data = {**params, **self._client_assertion()}
        return self._send(name, "POST", self.endpoint(endpoint), data=data)

    def _post_json(
        self,
        endpoint: str,
        access_token: str,
        payload: dict[str, Any],
        extra_headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {access_token}", **(extra_headers or {})}
        name = endpoint.removeprefix("self_information_").removesuffix("_endpoint")
        url = self.endpoint(endpoint)
        return self._send(name, "POST", url, json=payload, headers=headers)

    def _send(self, name: str, method: str, url: str, **kwargs: Any) -> dict[str, Any]:
        started = time.monotonic()
        proxies, system_bundle = _environment(url)
        verify = conf.tls_verify()
        try:
            response = self.http.request(
                method,
                url,
                timeout=conf.timeout(),
                allow_redirects=False,
                # Mutual TLS: the bank's certificate out, the portal's checked
                # (§4.2) against the configured CA, else the system's.
                cert=conf.tls_client_certificate(),
                verify=system_bundle if verify is True else verify,
                proxies=proxies,
                **kwargs,
            )
        except requests.RequestException as error:
            self._note(name, 0, started, {"error": type(error).__name__})
            logger.warning("Portal %s call failed: %s", name, type(error).__name__)
            raise TransientPortalError("portal_unreachable") from None

        try:
            body = _checked_body(name, response)
        except PortalError as error:
            self._note(name, response.status_code, started, {"error": error.code})
            raise
        self._note(name, response.status_code, started, body)
        return body


_local = threading.local()


def _http() -> requests.Session:
    """This thread's HTTP session, kept for the life of the process.

    Building one (its adapters and connection pools) cost more than a call;
    kept, it also reuses the portal's connection where the portal keeps it
    open. One per thread, as a requests session is not shared across threads.
    """
    http = getattr(_local, "http", None)
    if http is None:
        http = requests.Session()
        # The environment is read once per process (``_environment``), not by
        # requests on every call.
        http.trust_env = False
        # Shared by every retrieval: nothing one call is told may travel with
        # the next, so no cookie is ever kept.
        http.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
        _local.http = http
    return http


@functools.lru_cache(maxsize=32)
def _environment(url: str) -> tuple[dict[str, str], str | bool]:
    """The proxies (NO_PROXY included) and CA bundle the environment sets for a URL.

    What requests reads itself when it trusts the environment, but once per
    process: reading it on every call took a tenth of a result call's CPU.
    """
    proxies = requests.utils.get_environ_proxies(url)
    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    return proxies, bundle or True


def _summary(name: str, body: dict[str, Any]) -> dict[str, Any]:
    """What the timeline shows of an answer: protocol fields, never personal data."""
    if "error" in body:
        return {"error": body["error"]}
    if name in {"token", "kiosk_identity"}:
        return {
            "expires_in": body.get("expires_in"),
            "id_token": decoded(str(body.get("id_token", ""))),
        }
    if name in {"request", "result"}:
        shown: dict[str, Any] = {
            key: body[key]
            for key in ("status", "deferred", "retry_after")
            if key in body
        }
        if isinstance(body.get("result"), str):
            shown["jwe_header"] = jwe_header(body["result"])
        return shown
    return {}


def _checked_body(name: str, response: requests.Response) -> dict[str, Any]:
    status = response.status_code
    if status in TRANSIENT_STATUSES:
        logger.warning("Portal %s answered %s", name, status)
        raise TransientPortalError(
            f"portal_http_{status}", retry_after=_retry_after(response)
        )

    if status >= 400:
        error = _error_code(response)
        logger.warning("Portal %s answered %s (%s)", name, status, error)
        raise PermanentPortalError(error or f"portal_http_{status}")
    return _json_object(name, response)


def _error_code(response: requests.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, str) and error.isascii() and error.isprintable():
        return error[:60]
    return None


def _json_object(name: str, response: requests.Response) -> dict[str, Any]:
    if len(response.content) > MAX_BODY_BYTES:
        logger.warning("Portal %s answer is oversized", name)
        raise PermanentPortalError("answer_oversized")

    try:
        body = response.json()
    except ValueError:
        logger.warning("Portal %s answered %s with no JSON", name, response.status_code)
        raise TransientPortalError("answer_malformed") from None
    if not isinstance(body, dict):
        raise PermanentPortalError("answer_malformed")
    return body


def _retry_after(response: requests.Response) -> int | None:
    value = response.headers.get("Retry-After", "")
    return int(value) if value.isdigit() else None
