"""Write the demo TLS CA, the portal's server certificate and clients' certificates."""

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from mynaportal.simulator import tls


class Command(BaseCommand):
    help = (
        "Create the demo CA for mutual TLS (deploy/nginx/), a server certificate "
        "for 127.0.0.1 and localhost, and one client certificate per client id."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("folder", help="Where to write the PEM files.")
        parser.add_argument(
            "--client",
            action="append",
            default=[],
            help="A client id to issue a certificate for (repeatable).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        folder = Path(options["folder"])
        ca = tls.create_ca(folder)
        issued = [tls.issue(ca, folder, "127.0.0.1", server=True)]
        issued += [tls.issue(ca, folder, client) for client in options["client"]]

        self.stdout.write(f"CA: {ca.certificate}")
        for files in issued:
            self.stdout.write(f"{files.certificate} (key {files.key})")
