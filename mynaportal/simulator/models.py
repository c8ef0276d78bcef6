"""The simulator's own records: registered clients, personas and their cards,
and every artefact of the authorization and retrieval protocol.

Secrets handed out (codes, tokens, request URIs) are stored only as SHA-256
digests, as a real authorization server would.
"""

import hashlib
from datetime import date

from django.core.validators import RegexValidator
from django.db import models

CLIENT_ID_PATTERN = r"^SP\d{8}_[A-Z]{2}\d{4}$"


def digest(secret: str) -> str:
    """Return the hex SHA-256 of a handed-out secret, the only form stored."""
    return hashlib.sha256(secret.encode()).hexdigest()


class Client(models.Model):
    """A Web service provider registered to use the self-information API.

    Its lifecycle follows guideline §5–§6: registered for the connection-test
    environment (接続確認環境) or production (本番), and suspended (利用停止),
    resumed (利用再開) or ended (利用終了) from an effective date.
    """

    STAGING = "staging"
    PRODUCTION = "production"
    ENVIRONMENTS = [(STAGING, "接続確認環境"), (PRODUCTION, "本番")]

    client_id = models.CharField(
        max_length=17, unique=True, validators=[RegexValidator(CLIENT_ID_PATTERN)]
    )
    name = models.CharField(max_length=100)
    purpose = models.CharField(max_length=200)
    environment = models.CharField(max_length=10, choices=ENVIRONMENTS, default=STAGING)
    redirect_uris = models.JSONField(default=list)
    jwks = models.JSONField(default=dict, help_text="The client's public keys (JWKS).")
    jwks_uri = models.URLField(blank=True, help_text="Or where they are published.")
    tm_codes = models.JSONField(default=list, help_text="Categories it may request.")
    consent_days = models.PositiveIntegerField(default=90)
    notification_url = models.URLField(blank=True)
    sector_salt = models.CharField(max_length=64)
    suspended_from = models.DateTimeField(null=True, blank=True)
    resumed_from = models.DateTimeField(null=True, blank=True)
    ended_from = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, null=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.client_id})"


class Persona(models.Model):
    """A synthetic resident, with records held by the middle servers."""

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=100)
    name_kana = models.CharField(max_length=100)
    birth_date = models.DateField()
    municipality = models.CharField(max_length=100)
    municipality_connected = models.BooleanField(default=True)
    # Generated so that the check digit fails: it can never be a real number.
    individual_number = models.CharField(max_length=12)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class DemoCA(models.Model):
    """The simulator's own certificate authority for the virtual cards."""

    key_pem = models.TextField()
    certificate_pem = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Demo CA of {self.created_at:%Y-%m-%d}"


class Card(models.Model):
    """A virtual My Number card holding the 利用者証明用電子証明書 and its key."""

    persona = models.OneToOneField(Persona, on_delete=models.CASCADE)
    pin_hash = models.CharField(max_length=128)
    key_pem = models.TextField()
    certificate_pem = models.TextField()
    serial_number = models.CharField(max_length=64)
    failed_pin_attempts = models.PositiveSmallIntegerField(default=0)
    revoked = models.BooleanField(default=False)

    MAX_PIN_ATTEMPTS = 3

    def __str__(self) -> str:
        return f"Card of {self.persona}"

    @property
    def locked(self) -> bool:
        return self.failed_pin_attempts >= self.MAX_PIN_ATTEMPTS


class InformationRecord(models.Model):
    """One record of a category (TM code) held for a persona."""

    persona = models.ForeignKey(
        Persona, on_delete=models.CASCADE, related_name="records"
    )
    tm_code = models.CharField(max_length=16)
    provider = models.CharField(max_length=100, help_text="情報提供者 (providing body)")
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)
    items = models.JSONField()

    class Meta:
        ordering = ["persona", "tm_code", "valid_from"]

    def __str__(self) -> str:
        return f"{self.tm_code} of {self.persona_id} from {self.valid_from}"

    def valid_on(self, day: date) -> bool:
        return self.valid_from <= day and (
            self.valid_to is None or day <= self.valid_to
        )


class SigningKey(models.Model):
    """A key of the portal: ``sig`` signs tokens and results."""

    kid = models.CharField(max_length=64, unique=True)
    private_jwk = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.kid


class PushedRequest(models.Model):
    """A pushed authorization request (PAR, RFC 9126) and its browser journey."""

    request_uri_hash = models.CharField(max_length=64, unique=True)
    client = models.ForeignKey(Client, on_delete=models.CASCADE)
    redirect_uri = models.URLField(max_length=500)
    state = models.CharField(max_length=200)
    nonce = models.CharField(max_length=200)
    code_challenge = models.CharField(max_length=128)
    tm_codes = models.JSONField()
    condition = models.JSONField()
    expires_at = models.DateTimeField()
    consented_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    card_challenge = models.CharField(max_length=64, blank=True)
    # Bad messages named for this flow (X-Simulator-Scenario, SECURITY S20).
    scenario = models.JSONField(default=list)
    flow_key = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"PAR {self.pk} of {self.client_id}"


class Grant(models.Model):
    """A person's consent to one client for some categories, for a period."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE)
    persona = models.ForeignKey(Persona, on_delete=models.CASCADE)
    tm_codes = models.JSONField()
    condition = models.JSONField()
    scenario = models.JSONField(default=list)
    flow_key = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Grant {self.pk} of {self.client_id}"


class AuthorizationCode(models.Model):
    """A one-time code; a second use revokes the grant the first one made."""

    code_hash = models.CharField(max_length=64, unique=True)
    pushed_request = models.OneToOneField(PushedRequest, on_delete=models.CASCADE)
    persona = models.ForeignKey(Persona, on_delete=models.CASCADE)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    grant = models.ForeignKey(Grant, null=True, blank=True, on_delete=models.SET_NULL)

    def __str__(self) -> str:
        return f"Code {self.pk}"


class Token(models.Model):
    """An access or refresh token of a grant."""

    ACCESS = "access"
    REFRESH = "refresh"

    grant = models.ForeignKey(Grant, on_delete=models.CASCADE, related_name="tokens")
    kind = models.CharField(
        max_length=10, choices=[(ACCESS, ACCESS), (REFRESH, REFRESH)]
    )
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    # RFC 8705: the x5t#S256 of the client certificate it is bound to, if any.
    certificate_thumbprint = models.CharField(max_length=64, blank=True, default="")

    def __str__(self) -> str:
        return f"{self.kind} token {self.pk}"


class UsedAssertion(models.Model):
    """A client assertion's ``jti``, kept until it expires to refuse replays."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE)
    jti = models.CharField(max_length=200)
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["client", "jti"], name="unique_client_jti")
        ]

    def __str__(self) -> str:
        return self.jti


class ProcessRequest(models.Model):
    """A self-information request (IF001-04) and when its result is ready."""

    process_id = models.CharField(max_length=64, unique=True)
    grant = models.ForeignKey(Grant, on_delete=models.CASCADE)
    idempotency_key = models.CharField(max_length=100, blank=True)
    tm_codes = models.JSONField()
    condition = models.JSONField()
    created_at = models.DateTimeField()
    ready_at = models.DateTimeField()
    # Set when a needed server was stopped at request time (guideline §2.5):
    # the result waits for the chain, and the client is notified when it is up.
    deferred_until = models.DateTimeField(null=True, blank=True)
    notified_at = models.DateTimeField(null=True, blank=True)
    # How often the client called for this process: a well-behaved client
    # makes one request and, after a stop, one result call.
    request_calls = models.PositiveIntegerField(default=1)
    result_calls = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["grant", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="unique_grant_idempotency_key",
            )
        ]

    def __str__(self) -> str:
        return self.process_id


class SimulatorClock(models.Model):
    """The simulator's clock: real time moved by an offset, or frozen.

    Business rules (the operating calendar, code, token and consent expiry)
    follow this clock; timestamps inside signed tokens stay in real time so
    that clients with ordinary clocks can verify them.
    """

    offset_seconds = models.FloatField(default=0)
    frozen_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Clock offset {self.offset_seconds}s, frozen at {self.frozen_at}"


class ServerOverride(models.Model):
    """A server forced up or down, whatever its calendar says."""

    server_code = models.CharField(max_length=40, unique=True)
    operating = models.BooleanField()
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.server_code} forced {'up' if self.operating else 'down'}"


class Fault(models.Model):
    """A fault to inject on an endpoint (SECURITY S17): delay, status, bad JSON,
    a connection reset."""

    DELAY = "delay"
    STATUS = "status"
    MALFORMED = "malformed"
    RESET = "reset"
    BAD_MESSAGE = "bad_message"
    KINDS = [
        (DELAY, DELAY),
        (STATUS, STATUS),
        (MALFORMED, MALFORMED),
        (RESET, RESET),
        (BAD_MESSAGE, BAD_MESSAGE),
    ]

    endpoint = models.CharField(max_length=20)
    kind = models.CharField(max_length=12, choices=KINDS)
    value = models.FloatField(default=0)
    message = models.CharField(max_length=40, blank=True)
    remaining = models.PositiveIntegerField(default=1)
    hits = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} on {self.endpoint}"


class TraceEvent(models.Model):
    """One step of a flow, for the protocol inspector (values masked)."""

    flow_key = models.CharField(max_length=32, db_index=True)
    step = models.CharField(max_length=20)
    at = models.DateTimeField(auto_now_add=True)
    status = models.PositiveSmallIntegerField()
    duration_ms = models.PositiveIntegerField(default=0)
    summary = models.JSONField(default=dict)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.flow_key} {self.step} {self.status}"


class KioskRequest(models.Model):
    """A kiosk's request (guideline §3): consent given on the kiosk's own screen.

    There is no browser redirect: the kiosk client authenticates itself, sends
    the consent, receives the portal's challenge, and answers it with the
    signature of the card inside the kiosk.
    """

    handle_hash = models.CharField(max_length=64, unique=True)
    client = models.ForeignKey(Client, on_delete=models.CASCADE)
    nonce = models.CharField(max_length=200)
    tm_codes = models.JSONField()
    condition = models.JSONField()
    card_challenge = models.CharField(max_length=64)
    expires_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)
    flow_key = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Kiosk request {self.pk} of {self.client_id}"
