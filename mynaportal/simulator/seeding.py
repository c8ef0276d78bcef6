"""Putting personas into the simulator's database, with their cards and records."""

from datetime import date, datetime, timedelta

from django.contrib.auth.hashers import PBKDF2PasswordHasher, make_password
from django.db import transaction

from mynaportal import catalog
from mynaportal.simulator import clock, jpki
from mynaportal.simulator.models import Card, DemoCA, InformationRecord, Persona
from mynaportal.simulator.personas import (
    CardState,
    PersonaSpec,
    invalid_individual_number,
    local_tax_items,
)


class CardPinHasher(PBKDF2PasswordHasher):
    """Django's PBKDF2 with few rounds, for the virtual cards' PINs.

    A card checks its PIN in the chip and locks after three wrong ones, and the
    personas' PINs are published; password-grade stretching (a million rounds)
    only cost a third of a second of CPU on every card-and-PIN step (BENCHMARKS.md).
    ``check_password`` reads the rounds from the stored hash.
    """

    iterations = 1000


def demo_ca() -> DemoCA:
    """Return the simulator's demo JPKI CA, creating it on first use."""
    existing = DemoCA.objects.order_by("-created_at").first()
    if existing is not None:
        return existing

    issued = jpki.create_demo_ca(now=clock.now() - timedelta(days=1))
    return DemoCA.objects.create(
        key_pem=issued.key_pem, certificate_pem=issued.certificate_pem
    )


@transaction.atomic
def ensure_persona(spec: PersonaSpec) -> tuple[Persona, bool]:
    """Create a persona with its card and records; leave an existing one as it is."""
    existing = Persona.objects.filter(slug=spec.slug).first()
    if existing is not None:
        return existing, False

    persona = Persona.objects.create(
        slug=spec.slug,
        name=spec.name,
        name_kana=spec.name_kana,
        birth_date=spec.birth_date,
        municipality=spec.municipality,
        municipality_connected=spec.municipality_connected,
        individual_number=invalid_individual_number(spec.slug),
        note=spec.note,
    )
    issue_card(persona, spec.pin, spec.card)
    for income in spec.incomes:
        InformationRecord.objects.create(
            persona=persona,
            tm_code=catalog.LOCAL_TAX_TM_CODE,
            provider=spec.municipality,
            valid_from=date(income.taxable_year, 6, 1),
            valid_to=date(income.taxable_year + 1, 5, 31),
            items=local_tax_items(income, spec.birth_date),
        )
    return persona, True


def issue_card(persona: Persona, pin: str, state: CardState) -> Card:
    """Issue the persona a virtual card in the given state."""
    not_before, not_after = _validity(state, clock.now())
    issued = jpki.issue_card_certificate(
        _issued_ca(),
        holder_reference=f"card-{persona.slug}",
        not_before=not_before,
        not_after=not_after,
    )
    return Card.objects.create(
        persona=persona,
        pin_hash=make_password(pin, hasher=CardPinHasher()),
        key_pem=issued.key_pem,
        certificate_pem=issued.certificate_pem,
        serial_number=str(issued.serial_number),
        failed_pin_attempts=_FAILED_PIN_ATTEMPTS.get(state, 0),
        revoked=state == "revoked",
    )


# Wrong PINs a card has already counted when it is issued in a given state.
_FAILED_PIN_ATTEMPTS: dict[CardState, int] = {
    "locked": Card.MAX_PIN_ATTEMPTS,
    "two_wrong_pins": Card.MAX_PIN_ATTEMPTS - 1,
}


def _validity(state: CardState, now: datetime) -> tuple[datetime, datetime]:
    """The certificate's validity period: lapsed 30 days ago when "expired"."""
    if state == "expired":
        return _years_later(now, -2), now - timedelta(days=30)
    return now - timedelta(days=30), _years_later(now, 5)


def _issued_ca() -> jpki.IssuedCertificate:
    ca = demo_ca()
    return jpki.IssuedCertificate(
        key_pem=ca.key_pem, certificate_pem=ca.certificate_pem, serial_number=0
    )


def _years_later(moment: datetime, years: int) -> datetime:
    return moment + timedelta(days=365 * years)
