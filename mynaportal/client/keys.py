"""The bank's own keys: one signs client assertions, one decrypts results."""

import json
from pathlib import Path
from typing import Any

from joserfc.jwk import ECKey, KeySet

from mynaportal.client import conf

SIGNING_ALGORITHM = "ES256"
ENCRYPTION_ALGORITHM = "ECDH-ES+A256KW"


def generate_client_keys(path: Path) -> bool:
    """Write a new private JWKS to ``path`` unless one exists; True if written."""
    if path.exists():
        return False

    signing = ECKey.generate_key(
        "P-256", parameters={"use": "sig", "alg": SIGNING_ALGORITHM}, auto_kid=True
    )
    encryption = ECKey.generate_key(
        "P-256", parameters={"use": "enc", "alg": ENCRYPTION_ALGORITHM}, auto_kid=True
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    keys = [signing.as_dict(private=True), encryption.as_dict(private=True)]
    path.write_text(json.dumps({"keys": keys}, indent=2))
    path.chmod(0o600)
    return True


def _key_set() -> KeySet:
    return KeySet.import_key_set(json.loads(conf.client_keys_file().read_text()))


def _newest(use: str) -> Any:
    keys = [key for key in _key_set().keys if key.get("use") == use]
    if not keys:
        raise RuntimeError(f"The client key file has no '{use}' key")
    return keys[0]


def signing_key() -> ECKey:
    """The key that signs ``private_key_jwt`` assertions."""
    key: ECKey = _newest("sig")
    return key


def decryption_keys() -> KeySet:
    """Every encryption key, so results sealed to an older key still open."""
    return KeySet([key for key in _key_set().keys if key.get("use") == "enc"])


def public_jwks() -> dict[str, Any]:
    """The public half of every key, as registered with the portal."""
    return {"keys": [key.as_dict(private=False) for key in _key_set().keys]}
