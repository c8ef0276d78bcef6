"""Bad messages on demand (SECURITY S20), so a provider can test its own client.

A bad message is chosen in one of three layers, all of which travel through
the real code path: queued from the control panel or the JSON control API
(the next use of that step takes it), or named for one flow in the
``X-Simulator-Scenario`` header of its pushed authorization request.
"""

import base64
import json
import secrets
import time
from typing import Any

from cryptography.hazmat.primitives import hashes, hmac
from django.db import transaction
from django.db.models import F
from joserfc import jwt
from joserfc.jwk import ECKey

from mynaportal.simulator import faults
from mynaportal.simulator.keys import SIGNING_ALGORITHM, current_signing_key
from mynaportal.simulator.models import Fault

HEADER = "X-Simulator-Scenario"

AUTHORIZATION = {"iss_wrong", "iss_missing", "state_wrong"}
ID_TOKEN = {
    "id_token_iss_wrong",
    "id_token_aud_wrong",
    "id_token_expired",
    "id_token_nonce_wrong",
    "id_token_alg_none",
    "id_token_bad_signature",
    "id_token_unknown_kid",
    *(f"id_token_{claim}_missing" for claim in ("iss", "aud", "exp", "iat", "sub")),
    "id_token_nonce_missing",
    "id_token_iat_future",
    "id_token_aud_list",
    "id_token_alg_hs256",
    "id_token_alg_not_allowed",
    "id_token_embedded_jwk",
}
RESULT = {
    "result_iss_wrong",
    "result_aud_wrong",
    "result_expired",
    "result_other_person",
    "result_alg_none",
    "result_bad_signature",
    "result_unknown_kid",
    "result_individual_number",
    "result_unknown_field",
    "result_partial_record",
    "result_sub_missing",
    "result_alg_hs256",
    "result_alg_not_allowed",
    "result_embedded_jwk",
    "result_wrong_shape",
    "result_oversized",
}
REQUEST = {"long_processing"}
BAD_MESSAGES = AUTHORIZATION | ID_TOKEN | REQUEST | RESULT
STEPS = {
    "authorize": AUTHORIZATION,
    "token": ID_TOKEN,
    "request": REQUEST,
    "result": RESULT,
}
LONG_PROCESSING_SECONDS = 20
OVERSIZED_BYTES = 1_100_000


class ScenarioError(ValueError):
    """A scenario names something the simulator does not know."""


def parse(header: str) -> list[str]:
    """The bad messages named in a scenario header (comma-separated)."""
    names = [name.strip() for name in header.split(",") if name.strip()]
    unknown = [name for name in names if name not in BAD_MESSAGES]
    if unknown:
        raise ScenarioError(f"Unknown bad message: {unknown[0]}")
    return names


def queue(step: object, message: object, times: object = 1) -> Fault:
    """Queue a bad message for the next uses of a step (control panel and API)."""
    if step not in STEPS or message not in STEPS[str(step)]:
        raise ScenarioError(f"Unknown bad message for {step!r}: {message!r}")
    if not isinstance(times, int) or not 1 <= times <= 1000:
        raise ScenarioError("times must be a whole number from 1 to 1000")
    faults.forget_queued()
    return Fault.objects.create(
        endpoint=str(step),
        kind=Fault.BAD_MESSAGE,
        message=str(message),
        remaining=times,
    )


def active(step: str, flow_names: list[str]) -> set[str]:
    """This use's bad messages: the flow's own, and one queued for the step."""
    names = {name for name in flow_names if name in STEPS[step]}
    if (step, Fault.BAD_MESSAGE) not in faults.queued():
        return names

    with transaction.atomic():
        queued = (
            Fault.objects.select_for_update()
            .filter(endpoint=step, kind=Fault.BAD_MESSAGE, remaining__gt=0)
            .first()
        )
        if queued is not None:
            Fault.objects.filter(pk=queued.pk).update(
                remaining=F("remaining") - 1, hits=F("hits") + 1
            )
            names.add(queued.message)
    return names


def authorization_params(params: dict[str, str], names: set[str]) -> dict[str, str]:
    """The redirect's query, spoiled as asked (R6, R7)."""
    spoiled = dict(params)
    if "iss_wrong" in names:
        spoiled["iss"] = "https://wrong-issuer.example"
    if "iss_missing" in names:
        spoiled.pop("iss", None)
    if "state_wrong" in names:
        spoiled["state"] = spoiled.get("state", "") + "-wrong"
    return spoiled


def spoil_claims(claims: dict[str, Any], names: set[str], prefix: str) -> None:
    """Change the claims of a token or result as asked (R15–R20, R25, R27)."""
    wanted = {name.removeprefix(prefix) for name in names if name.startswith(prefix)}
    now = int(time.time())
    if "iss_wrong" in wanted:
        claims["iss"] = "https://wrong-issuer.example"
    if "aud_wrong" in wanted:
        claims["aud"] = "SP00000000_XX0000"
    if "expired" in wanted:
        claims["iat"], claims["exp"] = now - 900, now - 600
    if "nonce_wrong" in wanted:
        claims["nonce"] = "wrong-nonce"
    if "other_person" in wanted:
        claims["sub"] = "another-persons-pairwise-subject"
    if "iat_future" in wanted:
        claims["iat"] = now + 600
    if "aud_list" in wanted:
        claims["aud"] = [claims["aud"]]
    for claim in ("iss", "aud", "exp", "iat", "nonce", "sub"):
        if f"{claim}_missing" in wanted:
            claims.pop(claim, None)
    if "wrong_shape" in wanted:
        claims["selfPersonalData"] = {"records": claims.get("selfPersonalData")}
    if "oversized" in wanted:
        claims["padding"] = "x" * OVERSIZED_BYTES


def sign(claims: dict[str, Any], names: set[str], prefix: str) -> str:
    """Sign the claims; or not, or badly, or with an unpublished key, as asked."""
    wanted = {name.removeprefix(prefix) for name in names if name.startswith(prefix)}
    if "alg_none" in wanted:
        return _unsigned(claims)
    if "alg_hs256" in wanted:
        return _signed_with_public_key(claims)
    if "alg_not_allowed" in wanted:
        return _signed_with_es384(claims)

    key = current_signing_key()
    header = {"alg": SIGNING_ALGORITHM, "kid": key.kid, "typ": "JWT"}
    if "unknown_kid" in wanted:
        key = ECKey.generate_key("P-256", auto_kid=True)
        header["kid"] = key.kid
    if "embedded_jwk" in wanted:
        key = ECKey.generate_key("P-256", auto_kid=True)
        header.update(_attacker_key_headers(key))
    token = jwt.encode(header, claims, key, algorithms=[SIGNING_ALGORITHM])
    if "bad_signature" in wanted:
        head, body, signature = token.split(".")
        token = f"{head}.{body}.{_flipped(signature)}"
    return token


def _attacker_key_headers(key: ECKey) -> dict[str, Any]:
    """Headers that point a careless verifier at a key the attacker holds (R22)."""
    return {
        "jwk": key.as_dict(private=False),
        "jku": "https://attacker.example/jwks.json",
        "x5u": "https://attacker.example/cert.pem",
    }


def _signed_with_public_key(claims: dict[str, Any]) -> str:
    """HS256 keyed with the portal's public key: the algorithm confusion (R18)."""
    public = current_signing_key()
    secret = public.as_pem(private=False)
    header = {"alg": "HS256", "kid": public.kid, "typ": "JWT"}
    signing_input = f"{_b64(_json(header))}.{_b64(_json(claims))}"
    mac = hmac.HMAC(secret, hashes.SHA256())
    mac.update(signing_input.encode())
    return f"{signing_input}.{_b64(mac.finalize())}"


def _signed_with_es384(claims: dict[str, Any]) -> str:
    """ES384, outside the allowed list, under the published ``kid`` (R17)."""
    key = ECKey.generate_key("P-384", auto_kid=True)
    header = {"alg": "ES384", "kid": current_signing_key().kid, "typ": "JWT"}
    return jwt.encode(header, claims, key, algorithms=["ES384"])


def _json(value: dict[str, Any]) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def _unsigned(claims: dict[str, Any]) -> str:
    header = _b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    return f"{header}.{_b64(json.dumps(claims).encode())}."


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _flipped(signature: str) -> str:
    raw = bytearray(base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)))
    raw[0] ^= 0xFF
    return _b64(bytes(raw))


def spoil_entries(entries: list[dict[str, Any]], names: set[str], number: str) -> None:
    """Spoil the personal data itself: an individual number, an unknown field."""
    for entry in entries:
        for record in entry["records"]:
            if "result_individual_number" in names:
                record["items"]["individual_number"] = number
            if "result_unknown_field" in names:
                record["items"]["unexpected_item"] = secrets.randbelow(100)
            if "result_partial_record" in names:
                record["items"].pop("salary_revenue", None)
