"""The bank's own keys: one signs client assertions, one decrypts results."""

import json
from pathlib import Path
from typing import Any

from joserfc.jwk import ECKey, KeySet

from mynaportal import jose_keys
from mynaportal.client import conf

SIGNING_ALGORITHM = "ES256"
ENCRYPTION_ALGORITHM = "ECDH-ES+A256KW"
USES = ("sig", "enc")


def generate_client_keys(path: Path) -> bool:
    """Write a new private JWKS to ``path`` unless one exists; True if written."""
    if path.exists():
        return False

    path.parent.mkdir(parents=True, exist_ok=True)
    _write(path, _new_pair())
    return True


def rotate_client_keys(path: Path) -> list[str]:
    """Put a new signing and encryption key first; the old ones stay.

    The overlap: assertions are signed with the new key at once, while
    results the portal still seals to an old encryption key keep opening.
    Register the new public JWKS with the portal, then ``retire_old_keys``
    once nothing can still be sealed to the old key. Returns the new kids.
    """
    pair = _new_pair()
    _write(path, [*pair, *json.loads(path.read_text())["keys"]])
    return [str(key["kid"]) for key in pair]


def retire_old_keys(path: Path) -> int:
    """Keep only the newest key of each use (the end of the overlap window)."""
    keys = json.loads(path.read_text())["keys"]
    kept = [next(key for key in keys if key.get("use") == use) for use in USES]
    _write(path, kept)
    return len(keys) - len(kept)


def _new_pair() -> list[dict[str, Any]]:
    signing = ECKey.generate_key(
        "P-256", parameters={"use": "sig", "alg": SIGNING_ALGORITHM}, auto_kid=True
    )
    encryption = ECKey.generate_key(
        "P-256", parameters={"use": "enc", "alg": ENCRYPTION_ALGORITHM}, auto_kid=True
    )
    return [signing.as_dict(private=True), encryption.as_dict(private=True)]


def _write(path: Path, keys: list[dict[str, Any]]) -> None:
    """Replace the file in one step, so no reader sees half of it."""
    fresh = path.with_name(path.name + ".new")
    fresh.write_text(json.dumps({"keys": keys}, indent=2))
    fresh.chmod(0o600)
    fresh.replace(path)


def _key_set() -> KeySet:
    # Read on every use, so a rotation shows at once; parsed once per content.
    return jose_keys.key_set(json.loads(conf.client_keys_file().read_text()))


def _newest(use: str) -> Any:
    # The file lists keys newest first (``rotate_client_keys``).
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
