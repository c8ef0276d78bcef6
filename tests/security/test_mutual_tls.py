"""Mutual TLS as deployed: Debian's nginx in front of the simulator (S12, R4).

nginx verifies client certificates against the demo CA and passes the verified
one to the simulator, which binds tokens to it (RFC 8705); the bank calls with
its client certificate and checks the portal's server certificate. The whole
flow runs through it here; plain HTTP stays for `make demo`.
"""

import shutil
import string
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from pytest_django.fixtures import Settings

import tests.security.test_portal_simulator as simulator
from mynaportal.client import sealing
from mynaportal.client.models import Retrieval
from mynaportal.simulator import tls
from tests.conftest import (
    CUSTOMER_PASSWORD,
    ROOT,
    Portal,
    Worker,
    free_port,
    fresh_database,
)
from tests.httpflow import WebFlow, field_value

NGINX = "/usr/sbin/nginx"
TEMPLATE = ROOT / "deploy" / "nginx" / "simulator-mtls.conf.template"
CLIENT_ID = simulator.CLIENT_ID


@dataclass(frozen=True)
class TlsPortal:
    """The simulator behind nginx, and the certificates of the demo CA."""

    url: str
    ca: Path
    bank: tls.Issued
    other_client: tls.Issued
    expired: tls.Issued
    untrusted: tls.Issued

    def session(self, certificate: tls.Issued | None) -> requests.Session:
        http = requests.Session()
        # Else REQUESTS_CA_BUNDLE, where set, would replace the demo CA.
        http.trust_env = False
        http.verify = str(self.ca)
        if certificate is not None:
            http.cert = (str(certificate.certificate), str(certificate.key))
        return http


def _certificates(folder: Path) -> dict[str, tls.Issued]:
    ca = tls.create_ca(folder / "ca")
    stranger = tls.create_ca(folder / "stranger-ca")
    yesterday = datetime.now(UTC) - timedelta(days=1)
    return {
        "ca": ca,
        "server": tls.issue(ca, folder / "server", "127.0.0.1", server=True),
        "bank": tls.issue(ca, folder / "bank", CLIENT_ID),
        "other": tls.issue(ca, folder / "other", "SP00000000_ZZ0000"),
        "expired": tls.issue(ca, folder / "expired", CLIENT_ID, not_after=yesterday),
        "untrusted": tls.issue(stranger, folder / "untrusted", CLIENT_ID),
    }


def _wait_until_up(url: str, ca: Path, *processes: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if any(process.poll() is not None for process in processes):
            raise RuntimeError("nginx or the simulator exited at start-up")
        try:
            if requests.get(url, verify=str(ca), timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError("The simulator behind nginx did not start within 30 s")


@pytest.fixture(scope="session")
def tls_portal(
    portal: Portal, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TlsPortal]:
    """A second simulator, behind nginx on a loopback port, seeded as the first."""
    if not Path(NGINX).exists() or shutil.which("nginx", path="/usr/sbin") is None:
        pytest.fail("nginx is missing: run `make nginx` (apt-get install nginx)")

    tmp = tmp_path_factory.mktemp("tls")
    issued = _certificates(tmp / "certificates")
    port, upstream = free_port(), free_port()
    url = f"https://127.0.0.1:{port}"
    env = {
        **portal.env,
        "SIMULATOR_DATABASE_URL": fresh_database("portal_tls_test", tmp),
        "MYNAPORTAL_SIM_ISSUER": url,
        "MYNAPORTAL_SIM_BEHIND_TLS": "1",
        "BANKDEMO_VAR_DIR": str(tmp),
    }
    behind = Portal(url=url, env=env, seed=portal.seed)
    behind.manage("migrate", "--verbosity", "0")
    behind.manage(*portal.seed)
    prefix = tmp / "nginx"
    prefix.mkdir()
    config = prefix / "nginx.conf"
    config.write_text(
        string.Template(TEMPLATE.read_text()).safe_substitute(
            prefix=prefix,
            port=port,
            upstream_port=upstream,
            server_certificate=issued["server"].certificate,
            server_key=issued["server"].key,
            ca_certificate=issued["ca"].certificate,
        )
    )

    assert "${" not in config.read_text()

    gunicorn = subprocess.Popen(
        [
            *(sys.executable, "-m", "gunicorn", "bankdemo.wsgi:application"),
            *("--bind", f"127.0.0.1:{upstream}", "--workers", "2"),
            *("--log-level", "warning"),
        ],
        cwd=ROOT,
        env=env,
    )
    nginx = subprocess.Popen(
        [NGINX, "-p", str(prefix), "-c", str(config), "-g", "daemon off;"]
    )
    ca = issued["ca"].certificate
    try:
        _wait_until_up(f"{url}/.well-known/oauth-authorization-server", ca, nginx)
        yield TlsPortal(
            url=url,
            ca=ca,
            bank=issued["bank"],
            other_client=issued["other"],
            expired=issued["expired"],
            untrusted=issued["untrusted"],
        )
    finally:
        for process in (nginx, gunicorn):
            process.terminate()
            process.wait(timeout=10)


@pytest.fixture
def bank_through_tls(
    tls_portal: TlsPortal, celery_worker: Worker, settings: Settings, bank: str
) -> Iterator[str]:
    """The bank, and its worker, pointed at the portal behind nginx."""
    configured = {
        "MYNAPORTAL_ISSUER": tls_portal.url,
        "MYNAPORTAL_TLS_CLIENT_CERT_FILE": str(tls_portal.bank.certificate),
        "MYNAPORTAL_TLS_CLIENT_KEY_FILE": str(tls_portal.bank.key),
        "MYNAPORTAL_TLS_CA_FILE": str(tls_portal.ca),
    }
    for name, value in configured.items():
        setattr(settings, name, value)
    celery_worker.start(**configured)
    yield bank

    celery_worker.start()


def _par_data(tls_portal: TlsPortal, bank_keys: Path) -> dict[str, str]:
    from django.conf import settings

    provider = simulator.Provider(
        Portal(url=tls_portal.url, env={}),
        CLIENT_ID,
        _signing_key(bank_keys),
        str(settings.MYNAPORTAL_REDIRECT_URI),
    )
    return {**provider.par_params(), **provider.auth()}


def _signing_key(bank_keys: Path) -> Any:
    import json

    from joserfc.jwk import KeySet

    keys = KeySet.import_key_set(json.loads(bank_keys.read_text()))
    return next(key for key in keys.keys if key.get("use") == "sig")


@pytest.fixture
def flow_through_tls(
    bank_through_tls: str, tls_portal: TlsPortal, customer: Any
) -> WebFlow:
    """The customer signed in, with the browser trusting the demo CA."""
    flow = WebFlow(bank=bank_through_tls, portal=tls_portal.url)
    flow.http = tls_portal.session(None)
    flow.sign_in("hanako@example.com", CUSTOMER_PASSWORD)
    return flow


def test_the_whole_flow_runs_through_nginx_with_mutual_tls(
    flow_through_tls: WebFlow,
) -> None:
    flow = flow_through_tls

    form = flow.wait_until_filled(flow.authorize().url)

    assert field_value(form.text, "annual_income_man_yen") == "567"
    retrieval = Retrieval.objects.get()
    steps = list(retrieval.events.values_list("step", "status"))
    assert ("token", 200) in steps
    assert ("result", 200) in steps


def test_s12_behind_tls_a_missing_untrusted_expired_or_foreign_certificate_is_refused(
    tls_portal: TlsPortal, client_keys: Path
) -> None:
    def push(certificate: tls.Issued | None) -> requests.Response:
        return tls_portal.session(certificate).post(
            f"{tls_portal.url}/oauth/par",
            data=_par_data(tls_portal, client_keys),
            timeout=10,
        )

    accepted = push(tls_portal.bank)
    missing = push(None)
    foreign = push(tls_portal.other_client)
    untrusted = push(tls_portal.untrusted)
    expired = push(tls_portal.expired)

    assert accepted.status_code == 201
    for refused in (missing, foreign):
        assert refused.status_code == 401
        assert refused.json()["error"] == "invalid_client"
    for refused in (untrusted, expired):
        assert refused.status_code in {400, 495}
        assert "request_uri" not in refused.text


def test_s12_a_token_presented_with_another_certificate_is_401(
    flow_through_tls: WebFlow, tls_portal: TlsPortal
) -> None:
    flow_through_tls.wait_until_filled(flow_through_tls.authorize().url)
    access = sealing.unseal(Retrieval.objects.get().access_token_sealed)

    def request_with(certificate: tls.Issued | None) -> requests.Response:
        return tls_portal.session(certificate).post(
            f"{tls_portal.url}/request",
            json={},
            headers={"Authorization": f"Bearer {access}"},
            timeout=10,
        )

    own = request_with(tls_portal.bank)
    other = request_with(tls_portal.other_client)
    none = request_with(None)

    assert own.status_code == 200
    for refused in (other, none):
        assert refused.status_code == 401
        assert refused.json()["error"] == "invalid_token"


def test_the_bank_refuses_a_portal_whose_certificate_it_cannot_verify(
    tls_portal: TlsPortal, settings: Settings
) -> None:
    from mynaportal.client import portal as seam

    settings.MYNAPORTAL_ISSUER = tls_portal.url
    settings.MYNAPORTAL_TLS_CA_FILE = str(tls_portal.untrusted.certificate)
    seam._cache.clear()

    with pytest.raises(seam.TransientPortalError) as refused:
        seam.PortalSession().metadata()

    assert refused.value.code == "portal_unreachable"
