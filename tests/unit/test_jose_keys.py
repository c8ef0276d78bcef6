"""Keys parsed once per process, by their whole JSON text."""

from typing import Any

import pytest
from joserfc.errors import JoseError
from joserfc.jwk import ECKey

from mynaportal import jose_keys


def _jwk() -> dict[str, Any]:
    key = ECKey.generate_key("P-256", parameters={"use": "enc"}, auto_kid=True)
    return key.as_dict(private=True)


def test_the_same_key_is_parsed_once() -> None:
    jwk = _jwk()

    assert jose_keys.ec_key(jwk) is jose_keys.ec_key(dict(reversed(jwk.items())))
    assert jose_keys.key_set({"keys": [jwk]}) is jose_keys.key_set({"keys": [jwk]})


def test_a_changed_key_is_a_new_key() -> None:
    first, second = _jwk(), _jwk()

    assert jose_keys.ec_key(first).kid == first["kid"]
    assert jose_keys.ec_key(second).kid == second["kid"]
    assert jose_keys.key_set({"keys": [second]}).keys[0].kid == second["kid"]


def test_a_bad_key_raises_every_time_and_is_not_kept() -> None:
    bad = {**_jwk(), "x": "not-a-point"}

    for _ in range(2):
        with pytest.raises((JoseError, ValueError)):
            jose_keys.ec_key(bad)
