"""本人確認: the virtual My Number card, its PIN and the portal's verification.

The card stays a separate actor in the code even though it lives in the same
database: it checks its own PIN and only then signs the portal's challenge,
and the portal trusts nothing but that signature, the certificate chain to
the demo CA, the validity period and the revocation list.
"""

from dataclasses import dataclass

from django.contrib.auth.hashers import check_password
from django.db import transaction
from django.db.models import F

from mynaportal.simulator import clock, jpki
from mynaportal.simulator.models import Card, DemoCA


class IdentityError(Exception):
    """The identity step failed; ``final`` when the flow cannot go on."""

    def __init__(self, code: str, *, final: bool, attempts_left: int = 0) -> None:
        super().__init__(code)
        self.code = code
        self.final = final
        self.attempts_left = attempts_left


@dataclass(frozen=True)
class CardResponse:
    """What the card reader hands to the portal."""

    certificate_pem: str
    signature: bytes


def unlock_with_pin(card: Card, pin: str, challenge: bytes) -> CardResponse:
    """Check the PIN as the card would, counting failures; then sign the challenge.

    Three wrong PINs in a row lock the card for good (a real card must then be
    reset at the municipal office); a correct PIN resets the count.
    """
    card.refresh_from_db()
    if card.locked:
        raise IdentityError("card_locked", final=True)

    if not check_password(pin, card.pin_hash):
        return _count_failure(card)

    if card.failed_pin_attempts:
        Card.objects.filter(pk=card.pk).update(failed_pin_attempts=0)
    return CardResponse(
        certificate_pem=card.certificate_pem,
        signature=jpki.sign_challenge(card.key_pem, challenge),
    )


def _count_failure(card: Card) -> CardResponse:
    with transaction.atomic():
        Card.objects.filter(pk=card.pk).update(
            failed_pin_attempts=F("failed_pin_attempts") + 1
        )
        card.refresh_from_db()

    if card.locked:
        raise IdentityError("card_locked", final=True)
    left = Card.MAX_PIN_ATTEMPTS - card.failed_pin_attempts
    raise IdentityError("wrong_pin", final=False, attempts_left=left)


def verify(response: CardResponse, challenge: bytes) -> int:
    """Verify the card's answer as the portal; return the certificate serial."""
    ca = DemoCA.objects.order_by("-created_at").first()
    if ca is None:
        raise IdentityError("untrusted_certificate", final=True)

    revoked = frozenset(
        int(serial)
        for serial in Card.objects.filter(revoked=True).values_list(
            "serial_number", flat=True
        )
    )
    try:
        return jpki.verify_card_signature(
            ca_certificate_pem=ca.certificate_pem,
            card_certificate_pem=response.certificate_pem,
            challenge=challenge,
            signature=response.signature,
            at=clock.now(),
            revoked_serials=revoked,
        )
    except jpki.CardVerificationError as error:
        raise IdentityError(error.code, final=True) from None
