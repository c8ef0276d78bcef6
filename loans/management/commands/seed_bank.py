"""Seed the bank: its client keys, a demo customer and a staff member."""

import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.management.base import BaseCommand

from mynaportal.client import conf
from mynaportal.client.keys import generate_client_keys, public_jwks

DEMO_USERS = [
    # email, password, last name, first name, permissions (staff when any)
    ("hanako@example.com", "hanako-demo-2026", "山田", "花子", []),
    (
        "staff@example.com",
        "staff-demo-2026",
        "窓口",
        "担当",
        ["view_loanapplication", "view_kioskapplication", "view_retrieval"],
    ),
    (
        "reviewer@example.com",
        "reviewer-demo-2026",
        "審査",
        "担当",
        [
            "view_loanapplication",
            "view_kioskapplication",
            "view_personal_data",
            "view_auditentry",
        ],
    ),
]


class Command(BaseCommand):
    help = "Create the bank's demo data; running it again changes nothing."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--public-jwks-out",
            help="Also write the client's public JWKS here, for the portal's registry.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if generate_client_keys(conf.client_keys_file()):
            self.stdout.write(f"Client keys written to {conf.client_keys_file()}")
        if options["public_jwks_out"]:
            out = Path(options["public_jwks_out"])
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(json.dumps(public_jwks(), indent=2))

        for email, password, last, first, permissions in DEMO_USERS:
            self._ensure_user(email, password, last, first, permissions)

    def _ensure_user(
        self, email: str, password: str, last: str, first: str, permissions: list[str]
    ) -> None:
        users = get_user_model()
        if users.objects.filter(email=email).exists():
            return

        user = users.objects.create_user(
            username=email.split("@")[0],
            email=email,
            password=password,
            last_name=last,
            first_name=first,
            is_staff=bool(permissions),
        )
        EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
        user.user_permissions.add(*Permission.objects.filter(codename__in=permissions))
        self.stdout.write(f"User created: {email}")
