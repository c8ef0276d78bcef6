"""The peer in table 2: Singapore's MockPass and its Myinfo v3 flow, run here.

``make bench`` installs MockPass from the npm registry (one pinned version, into
``var/bench-mockpass``) and serves it with Node.js as its README says, with the
settings of Myinfo's test environment: a client secret on the token call, and
the person answer signed and encrypted. A flow is the seven requests a Myinfo
client makes:

1. ``GET /myinfo/v3/authorise``, which redirects to
2. ``GET /singpass/authorize`` (login completed at once, without a login page),
3. ``GET /consent/myinfo-com``, which notes who signed in, and
4. ``GET /consent/oauth2/authorize``, the consent page;
5. ``POST /consent/oauth2/authorize``, consent given: a code for the client;
6. ``POST /myinfo/v3/token`` with the code, signed (``PKI_SIGN``, RS256);
7. ``GET /myinfo/v3/person/<uinfin>/``, signed, answered as a JWE that the
   client opens and whose signature it checks.

The client's keys are MockPass's own test keys, read from the installed package;
none of MockPass is kept in this repository. Without Node.js and npm, or when the
install fails, the report says so and the rest of the bench goes on.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import shutil
import statistics
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from joserfc import jwe, jwt
from joserfc.jwk import RSAKey

from bench.drain import free_port, in_parallel, say, stop_process

VERSION = "4.3.4"
PACKAGE = "@opengovsg/mockpass"
# A persona both MockPass's Singpass login and its Myinfo data know.
UINFIN = "S9812379B"
ATTRIBUTES = "name,regadd,noa-basic"
CLIENT_ID = "BENCH-CLIENT"
REDIRECT_URI = "https://client.example/callback"
TIMEOUT = 30
WARM_UP_FLOWS = 20
REQUESTS_PER_FLOW = 7
FLOWS_PER_CLIENT = 100


class MockPassUnavailable(Exception):
    """MockPass cannot be run here; the message says why, for the report."""


@dataclass
class MockPass:
    """MockPass, served; the client's keys; and its Myinfo certificate."""

    url: str
    process: subprocess.Popen[bytes]
    client_key: rsa.RSAPrivateKey
    client_jwk: RSAKey
    myinfo_jwk: RSAKey
    secret: str


def installed(folder: Path) -> Path:
    """MockPass ``VERSION``'s package folder under ``folder``, installed if need be."""
    package = folder.resolve() / "node_modules" / PACKAGE
    manifest = package / "package.json"
    if manifest.exists() and json.loads(manifest.read_text())["version"] == VERSION:
        return package

    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        raise MockPassUnavailable("Node.js and npm are not installed")
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(  # noqa: S603 - our own arguments
        [
            *(npm, "install", "--prefix", str(folder)),
            *("--no-audit", "--no-fund", "--no-save", f"{PACKAGE}@{VERSION}"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode != 0 or not manifest.exists():
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise MockPassUnavailable(f"npm could not install {PACKAGE}@{VERSION}: {last}")
    return package


def _certificate_jwk(pem: bytes) -> RSAKey:
    public = x509.load_pem_x509_certificate(pem).public_key()
    return RSAKey.import_key(
        public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )


@contextmanager
def served(folder: Path, log: Path) -> Iterator[MockPass]:
    """MockPass on a free port, as Myinfo's test environment behaves."""
    package = installed(folder)
    certs = package / "static" / "certs"
    key_pem = (certs / "key.pem").read_bytes()
    client_key = serialization.load_pem_private_key(key_pem, password=None)
    if not isinstance(client_key, rsa.RSAPrivateKey):
        raise MockPassUnavailable("MockPass's client key is not an RSA key")

    port = free_port()
    secret = secrets.token_urlsafe(16)
    env = {
        **os.environ,
        "MOCKPASS_PORT": str(port),
        "MOCKPASS_NRIC": UINFIN,
        "SHOW_LOGIN_PAGE": "false",
        "ENCRYPT_MYINFO": "true",
        "SERVICE_PROVIDER_MYINFO_SECRET": secret,
    }
    with log.open("ab") as output:
        process = subprocess.Popen(  # noqa: S603 - our own arguments
            [shutil.which("node") or "node", str(package / "index.js")],
            cwd=package,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    mockpass = MockPass(
        url=f"http://127.0.0.1:{port}",
        process=process,
        client_key=client_key,
        client_jwk=RSAKey.import_key(key_pem),
        myinfo_jwk=_certificate_jwk((certs / "spcp.crt").read_bytes()),
        secret=secret,
    )
    try:
        _wait_until_up(mockpass, log)
        yield mockpass
    finally:
        stop_process(process, "MockPass")


def _wait_until_up(mockpass: MockPass, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if mockpass.process.poll() is not None:
            raise MockPassUnavailable("MockPass exited at start-up: " + log.read_text())
        try:
            requests.get(f"{mockpass.url}/myinfo/v3/authorise", timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise MockPassUnavailable("MockPass did not start in 30 s")


# --------------------------------------------------------------------------
# The client: Myinfo v3's request signatures, and the seven requests
# --------------------------------------------------------------------------


def _pki_sign(mockpass: MockPass, method: str, url: str, params: dict[str, str]) -> str:
    """The ``PKI_SIGN`` fields of Myinfo v3: RS256 over the method, the URL and
    every parameter with the signature's own, sorted by name."""
    fields = {
        "app_id": CLIENT_ID,
        "nonce": secrets.token_hex(16),
        "signature_method": "RS256",
        "timestamp": str(int(time.time() * 1000)),
    }
    signed = {**params, **fields}
    base = "&".join(f"{name}={signed[name]}" for name in sorted(signed))
    signature = mockpass.client_key.sign(
        f"{method}&{url}&{base}".encode(), padding.PKCS1v15(), hashes.SHA256()
    )
    fields["signature"] = base64.b64encode(signature).decode()
    return ",".join(f'{name}="{value}"' for name, value in fields.items())


def one_flow(mockpass: MockPass) -> float:
    """One whole Myinfo flow: the seconds spent in its round trips."""
    http = requests.Session()
    spent = 0.0

    def send(method: str, url: str, **kwargs: object) -> requests.Response:
        nonlocal spent
        started = time.perf_counter()
        answer = http.request(method, url, timeout=TIMEOUT, **kwargs)  # type: ignore[arg-type]
        spent += time.perf_counter() - started
        return answer

    state = secrets.token_urlsafe(8)
    query = (
        f"client_id={CLIENT_ID}&attributes={ATTRIBUTES}&purpose=bench"
        f"&state={state}&redirect_uri={quote(REDIRECT_URI, safe='')}"
    )
    consent_page = send("GET", f"{mockpass.url}/myinfo/v3/authorise?{query}")
    if consent_page.status_code != 200 or "decision" not in consent_page.text:
        raise MockPassUnavailable(
            f"MockPass's consent page: {consent_page.status_code}"
        )

    given = send(
        "POST",
        f"{mockpass.url}/consent/oauth2/authorize",
        data={
            "scope": ATTRIBUTES.replace(",", " "),
            "state": state,
            "client_id": CLIENT_ID,
            "purpose": "bench",
            "redirect_uri": REDIRECT_URI,
            "decision": "allow",
        },
        allow_redirects=False,
    )
    code = parse_qs(urlsplit(given.headers.get("Location", "")).query).get("code")
    if given.status_code != 302 or not code:
        raise MockPassUnavailable(f"MockPass gave no code: {given.status_code}")

    token_url = f"{mockpass.url}/myinfo/v3/token"
    body = {
        "grant_type": "authorization_code",
        "code": code[0],
        "redirect_uri": REDIRECT_URI,
        "client_id": CLIENT_ID,
        "client_secret": mockpass.secret,
    }
    header = _pki_sign(mockpass, "POST", token_url, body)
    tokens = send(
        "POST", token_url, data=body, headers={"Authorization": f"PKI_SIGN {header}"}
    )
    if tokens.status_code != 200:
        raise MockPassUnavailable(
            f"MockPass's token call: {tokens.status_code} {tokens.text}"
        )
    access_token = tokens.json()["access_token"]
    subject = jwt.decode(
        access_token, mockpass.myinfo_jwk, algorithms=["RS256"]
    ).claims["sub"]

    person_url = f"{mockpass.url}/myinfo/v3/person/{subject}/"
    params = {"client_id": CLIENT_ID, "attributes": ATTRIBUTES, "sp_esvcId": "BENCH"}
    header = _pki_sign(mockpass, "GET", person_url, params)
    person = send(
        "GET",
        person_url,
        params=params,
        headers={"Authorization": f"PKI_SIGN {header},Bearer {access_token}"},
    )
    if person.status_code != 200:
        raise MockPassUnavailable(
            f"MockPass's person call: {person.status_code} {person.text}"
        )
    opened = jwe.decrypt_compact(
        person.text.strip('"'), mockpass.client_jwk, algorithms=["RSA-OAEP", "A256GCM"]
    )
    if opened.plaintext is None:
        raise MockPassUnavailable("MockPass's person answer opened to nothing")
    claims = jwt.decode(
        opened.plaintext, mockpass.myinfo_jwk, algorithms=["RS256"]
    ).claims
    if "noa-basic" not in claims:
        raise MockPassUnavailable("MockPass's person answer has no noa-basic")
    return spent


def concurrent_flows(
    mockpass: MockPass, flows: int, clients: int
) -> tuple[list[float], float]:
    """``flows`` flows, ``clients`` at a time: each flow's round-trip seconds, and
    the time it all took."""
    try:
        return in_parallel(range(flows), clients, lambda _: one_flow(mockpass))
    except MockPassUnavailable:
        raise
    except Exception as error:  # whatever stopped a flow, for the report
        raise MockPassUnavailable(f"A MockPass flow failed: {error!r}") from error


# --------------------------------------------------------------------------
# The figures for table 2
# --------------------------------------------------------------------------


@dataclass
class PeerFigures:
    # Flows per second of each run, by the number of clients.
    rates_by_clients: dict[int, list[float]] = field(default_factory=dict)
    # Why MockPass is not in the report, when it is not.
    missing: str = ""

    def rates(self, clients: int) -> list[float]:
        return self.rates_by_clients.get(clients, [])


def measure(
    folder: Path, log: Path, runs: int, client_counts: tuple[int, ...]
) -> PeerFigures:
    """MockPass's flows per second, ``runs`` times for each number of clients."""
    figures = PeerFigures()
    try:
        with served(folder, log) as mockpass:
            concurrent_flows(mockpass, WARM_UP_FLOWS, 2)
            for _ in range(runs):
                for clients in client_counts:
                    flows = FLOWS_PER_CLIENT * clients
                    spent, seconds = concurrent_flows(mockpass, flows, clients)
                    rate = flows / seconds
                    figures.rates_by_clients.setdefault(clients, []).append(rate)
                    p50 = statistics.median(spent) * 1000
                    say(
                        f"MockPass, {clients} client(s): {rate:.1f} flows/s; "
                        f"server time p50 {p50:.0f} ms"
                    )
    except MockPassUnavailable as error:
        say(f"MockPass is not in this report: {error}")
        return PeerFigures(missing=str(error))
    return figures
