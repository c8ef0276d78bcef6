"""Seed the simulator: demo CA, signing key, personas with cards, the demo bank."""

import json
import secrets
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext_noop

from mynaportal import catalog
from mynaportal.simulator import keys, personas, seeding
from mynaportal.simulator.models import Client

DEMO_CLIENT_ID = "SP12345678_AB1234"


class Command(BaseCommand):
    help = "Create the simulator's demo data; running it again changes nothing."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--client-jwks",
            help="File with the demo bank's public JWKS; without it no bank is set up.",
        )
        parser.add_argument(
            "--redirect-uri",
            action="append",
            default=[],
            help="The demo bank's callback URL (repeatable).",
        )
        parser.add_argument(
            "--notification-url",
            default="",
            help="Where the demo bank takes result-ready notices.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        keys.ensure_signing_key()
        seeding.demo_ca()
        created = [
            spec.slug
            for spec in personas.DEMO_PERSONAS
            if seeding.ensure_persona(spec)[1]
        ]
        self.stdout.write(f"Personas created: {len(created)}")
        if not options["client_jwks"]:
            return

        if not options["redirect_uri"]:
            raise CommandError("--client-jwks needs at least one --redirect-uri")
        client = self._register_bank(
            self._read_jwks(Path(options["client_jwks"])),
            options["redirect_uri"],
            options["notification_url"],
        )
        self.stdout.write(f"Client: {client}")

    def _read_jwks(self, path: Path) -> dict[str, Any]:
        try:
            jwks = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError) as error:
            raise CommandError(f"Cannot read the client JWKS {path}: {error}") from None
        if not isinstance(jwks, dict) or not isinstance(jwks.get("keys"), list):
            raise CommandError(f"{path} is not a JWKS")
        if any("d" in key for key in jwks["keys"]):
            raise CommandError(f"{path} holds a private key; give the public JWKS")
        return jwks

    def _register_bank(
        self, jwks: dict[str, Any], redirect_uris: list[str], notification_url: str
    ) -> Client:
        client, _ = Client.objects.get_or_create(
            client_id=DEMO_CLIENT_ID,
            defaults={"sector_salt": secrets.token_hex(16), "jwks": jwks},
        )
        # Marked for translation: the consent screen shows them in English too.
        client.name = gettext_noop("〇〇銀行")
        client.purpose = gettext_noop("住宅ローンの事前審査")
        client.redirect_uris = redirect_uris
        client.jwks = jwks
        client.tm_codes = [catalog.LOCAL_TAX_TM_CODE]
        client.consent_days = 90
        client.notification_url = notification_url
        client.save()
        return client
