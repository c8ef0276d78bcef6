"""Personas as JSON: export them, and create or edit them by importing.

PINs are never exported (the simulator keeps only their hashes); an import
that names a PIN issues the persona a new card in the state it names.
"""

from datetime import date
from typing import Any

from cryptography import x509
from django.db import transaction

from mynaportal import catalog
from mynaportal.simulator import clock, seeding
from mynaportal.simulator.models import Card, InformationRecord, Persona
from mynaportal.simulator.personas import CARD_STATES, invalid_individual_number

REQUIRED = {"slug", "name", "name_kana", "birth_date", "municipality"}
OPTIONAL = {"municipality_connected", "note", "pin", "card", "records"}


class PersonaError(ValueError):
    """An imported persona that cannot be accepted, and why."""


def export() -> list[dict[str, Any]]:
    """Every persona, with its card's state and its records."""
    personas = Persona.objects.select_related("card").prefetch_related("records")
    return [_persona_json(persona) for persona in personas]


def _persona_json(persona: Persona) -> dict[str, Any]:
    return {
        "slug": persona.slug,
        "name": persona.name,
        "name_kana": persona.name_kana,
        "birth_date": persona.birth_date.isoformat(),
        "municipality": persona.municipality,
        "municipality_connected": persona.municipality_connected,
        "note": persona.note,
        "card": _card_state(persona.card),
        "records": [
            {
                "tm_code": record.tm_code,
                "provider": record.provider,
                "valid_from": record.valid_from.isoformat(),
                "valid_to": record.valid_to.isoformat() if record.valid_to else None,
                "items": record.items,
            }
            for record in persona.records.all()
        ],
    }


def _card_state(card: Card) -> str:
    certificate = x509.load_pem_x509_certificate(card.certificate_pem.encode())
    if card.revoked:
        return "revoked"
    if certificate.not_valid_after_utc < clock.now():
        return "expired"
    if card.locked:
        return "locked"
    if card.failed_pin_attempts == 2:
        return "two_wrong_pins"
    return "valid"


@transaction.atomic
def import_personas(data: object) -> dict[str, int]:
    """Create or replace personas from a JSON list; all or nothing."""
    if not isinstance(data, list) or not 0 < len(data) <= 500:
        raise PersonaError("Give a list of 1 to 500 personas")

    counts = {"created": 0, "updated": 0}
    for entry in data:
        created = _import_one(entry)
        counts["created" if created else "updated"] += 1
    return counts


def _import_one(entry: object) -> bool:
    fields = _checked(entry)
    persona = Persona.objects.filter(slug=fields["slug"]).first()
    created = persona is None
    if persona is None and "pin" not in fields:
        raise PersonaError(f"{fields['slug']}: a new persona needs a 4-digit pin")

    persona, _ = Persona.objects.update_or_create(
        slug=fields["slug"],
        defaults={
            **{name: fields[name] for name in REQUIRED - {"slug"}},
            "municipality_connected": fields.get("municipality_connected", True),
            "note": fields.get("note", ""),
            "individual_number": invalid_individual_number(fields["slug"]),
        },
    )
    if "pin" in fields:
        Card.objects.filter(persona=persona).delete()
        seeding.issue_card(persona, fields["pin"], fields.get("card", "valid"))
    if "records" in fields:
        persona.records.all().delete()
        InformationRecord.objects.bulk_create(
            InformationRecord(persona=persona, **record) for record in fields["records"]
        )
    return created


def _checked(entry: object) -> dict[str, Any]:
    if not isinstance(entry, dict):
        raise PersonaError("Each persona must be a JSON object")
    slug = entry.get("slug", "?")
    unknown = set(entry) - REQUIRED - OPTIONAL
    missing = REQUIRED - set(entry)
    if unknown or missing:
        problem = f"unknown field {sorted(unknown)[0]}" if unknown else "missing field"
        raise PersonaError(f"{slug}: {problem} {sorted(missing)[:1] or ''}".strip())

    fields = dict(entry)
    try:
        fields["birth_date"] = date.fromisoformat(str(entry["birth_date"]))
    except ValueError:
        raise PersonaError(f"{slug}: birth_date must be YYYY-MM-DD") from None
    if "pin" in entry and not (isinstance(entry["pin"], str) and _is_pin(entry["pin"])):
        raise PersonaError(f"{slug}: pin must be 4 digits")
    if entry.get("card", "valid") not in CARD_STATES:
        raise PersonaError(f"{slug}: card must be one of {sorted(CARD_STATES)}")
    if "records" in entry:
        fields["records"] = [_record(slug, record) for record in entry["records"]]
    return fields


def _is_pin(value: str) -> bool:
    return len(value) == 4 and value.isdigit()


def _record(slug: str, record: object) -> dict[str, Any]:
    if not isinstance(record, dict) or not isinstance(record.get("items"), dict):
        raise PersonaError(f"{slug}: each record needs tm_code, provider, dates, items")
    try:
        category = catalog.category(str(record.get("tm_code")))
        valid_from = date.fromisoformat(str(record["valid_from"]))
        valid_to = record.get("valid_to")
        valid_to = date.fromisoformat(valid_to) if valid_to else None
    except (KeyError, ValueError, TypeError):
        raise PersonaError(f"{slug}: a record has a bad tm_code or date") from None

    known = {item.key: item for item in category.items}
    for key, value in record["items"].items():
        item = known.get(key)
        numeric = item is not None and item.kind in {"yen", "year", "count"}
        fits = isinstance(value, int) if numeric else isinstance(value, str)
        if item is None or not fits:
            raise PersonaError(f"{slug}: item {key!r} is unknown or of the wrong type")
    return {
        "tm_code": category.tm_code,
        "provider": str(record.get("provider", "")),
        "valid_from": valid_from,
        "valid_to": valid_to,
        "items": record["items"],
    }
