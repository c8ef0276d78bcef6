"""Rotate the bank's client keys, with an overlap window (FAPI key rotation)."""

import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from mynaportal.client import conf
from mynaportal.client.keys import public_jwks, retire_old_keys, rotate_client_keys


class Command(BaseCommand):
    help = (
        "Add a new signing and encryption key (the old ones keep working), "
        "or with --retire drop all but the newest, once the portal has the new "
        "public JWKS."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--retire",
            action="store_true",
            help="End the overlap window: keep only the newest key of each use.",
        )
        parser.add_argument(
            "--public-jwks-out",
            help="Write the public JWKS here, to register with the portal.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = conf.client_keys_file()
        if options["retire"]:
            self.stdout.write(f"Retired {retire_old_keys(path)} old keys")
        else:
            kids = rotate_client_keys(path)
            self.stdout.write(f"New keys: {', '.join(kids)}")

        if options["public_jwks_out"]:
            out = Path(options["public_jwks_out"])
            out.write_text(json.dumps(public_jwks(), indent=2))
            self.stdout.write(f"Public JWKS written to {out}")
