"""The kiosk's card reader (guideline §3.3 ④⑤): the card stays inside the kiosk.

In the demo the reader and its cards are virtual and served by the simulator;
the bank drives it over HTTP as a kiosk drives its device. The card checks its
own PIN and counts the failures; the bank never holds the card's key, and sees
only the certificate and the signature over the portal's challenge.
"""

import logging
from dataclasses import dataclass
from typing import Any

import requests

from mynaportal.client import conf

logger = logging.getLogger(__name__)

MAX_CARDS = 200


class CardReaderError(Exception):
    """The reader or the card refused; ``code`` is safe to store and show."""

    def __init__(self, code: str, *, attempts_left: int = 0) -> None:
        super().__init__(code)
        self.code = code
        self.attempts_left = attempts_left

    @property
    def wrong_pin(self) -> bool:
        return self.code == "wrong_pin"


@dataclass(frozen=True)
class InsertedCard:
    """A card the reader can take: its id and the holder's name on its face."""

    card: str
    holder: str


@dataclass(frozen=True)
class CardSignature:
    """What the card hands over after its PIN: certificate and signature."""

    certificate_pem: str
    signature: str


def cards() -> list[InsertedCard]:
    """The virtual cards that can be put into the reader."""
    body = _call("GET", "/cards")
    listed = body.get("cards")
    if not isinstance(listed, list) or len(listed) > MAX_CARDS:
        raise CardReaderError("reader_malformed")
    return [_card(entry) for entry in listed]


def _card(entry: object) -> InsertedCard:
    if not isinstance(entry, dict):
        raise CardReaderError("reader_malformed")
    card, holder = entry.get("card"), entry.get("holder")
    if not isinstance(card, str) or not isinstance(holder, str):
        raise CardReaderError("reader_malformed")
    return InsertedCard(card=card, holder=holder)


def sign(card: str, pin: str, challenge: str) -> CardSignature:
    """Give the PIN to the card and have it sign the portal's challenge."""
    body = _call("POST", "/sign", {"card": card, "pin": pin, "challenge": challenge})
    certificate, signature = body.get("certificate"), body.get("signature")
    if not isinstance(certificate, str) or not isinstance(signature, str):
        raise CardReaderError("reader_malformed")
    return CardSignature(certificate_pem=certificate, signature=signature)


def _call(method: str, path: str, payload: dict[str, str] | None = None) -> Any:
    try:
        response = requests.request(
            method, conf.card_reader_url() + path, json=payload, timeout=conf.timeout()
        )
        body = response.json()
    except (requests.RequestException, ValueError):
        logger.warning("Card reader %s %s did not answer", method, path)
        raise CardReaderError("reader_unavailable") from None
    if not isinstance(body, dict):
        raise CardReaderError("reader_malformed")

    if response.status_code >= 400:
        error = body.get("error")
        left = body.get("attempts_left")
        code = error if isinstance(error, str) and error.isidentifier() else "refused"
        raise CardReaderError(
            code[:40], attempts_left=left if isinstance(left, int) else 0
        )
    return body
