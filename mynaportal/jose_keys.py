"""Parsed JOSE keys, kept per process, for both sides.

Turning a JWK into a usable key (decoding its numbers and building the
cryptography object) costs more than one signature or decryption with it, and
the same few keys serve every call. Keys are kept by their whole JSON text, so
a changed or rotated key is simply a new entry; nothing has to be forgotten.
"""

import functools
import json
from typing import Any

from joserfc.jwk import ECKey, KeySet

KEPT = 64


def key_set(jwks: dict[str, Any]) -> KeySet:
    """The key set of a JWKS document; raises what ``KeySet.import_key_set`` raises."""
    return _key_set(json.dumps(jwks, sort_keys=True))


def ec_key(jwk: dict[str, Any]) -> ECKey:
    """An EC key from its JWK; raises what ``ECKey.import_key`` raises."""
    return _ec_key(json.dumps(jwk, sort_keys=True))


@functools.lru_cache(maxsize=KEPT)
def _key_set(document: str) -> KeySet:
    return KeySet.import_key_set(json.loads(document))


@functools.lru_cache(maxsize=KEPT)
def _ec_key(document: str) -> ECKey:
    return ECKey.import_key(json.loads(document))
