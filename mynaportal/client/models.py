"""A retrieval of self-information, from the consent request to the result.

The row is the truth about where a retrieval stands; Celery only carries it
forward, and every step claims the row with a conditional update on the state
it expects, so a redelivered task changes nothing.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Retrieval(models.Model):
    class State(models.TextChoices):
        STARTED = "started", _("マイナポータルで手続き中")
        AUTHORIZED = "authorized", _("同意済み・取得準備中")
        REQUESTED = "requested", _("取得中")
        WAITING = "waiting", _("サーバ停止のため待機中")
        COMPLETED = "completed", _("取得完了")
        FAILED = "failed", _("取得失敗")
        EXPIRED = "expired", _("期限切れ")
        CANCELLED = "cancelled", _("キャンセル")

    class Channel(models.TextChoices):
        WEB = "web", _("Webサイト")
        # Guideline §3: the kiosk is the client; the customer has no account.
        KIOSK = "kiosk", _("キオスク端末")

    ACTIVE_STATES = (State.AUTHORIZED, State.REQUESTED, State.WAITING)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="retrievals",
        null=True,
        blank=True,
    )
    channel = models.CharField(
        max_length=5, choices=Channel.choices, default=Channel.WEB
    )
    state = models.CharField(
        max_length=12, choices=State.choices, default=State.STARTED
    )
    tm_codes = models.JSONField()
    condition = models.JSONField()
    return_path = models.CharField(max_length=200)

    # The authorization transaction; the verifier is sealed, state and nonce
    # are only compared.
    oauth_state = models.CharField(max_length=64, unique=True)
    nonce = models.CharField(max_length=64)
    code_verifier_sealed = models.TextField()

    subject = models.CharField(max_length=200, blank=True)
    access_token_sealed = models.TextField(blank=True)
    refresh_token_sealed = models.TextField(blank=True)
    access_expires_at = models.DateTimeField(null=True, blank=True)
    consent_expires_at = models.DateTimeField(null=True, blank=True)

    # Indexed: a portal notice names the process, and finds its retrieval by it.
    process_id = models.CharField(max_length=100, blank=True, db_index=True)
    result_sealed = models.TextField(blank=True)
    error_code = models.CharField(max_length=60, blank=True)

    attempts = models.PositiveSmallIntegerField(default=0)
    next_try_at = models.DateTimeField(null=True, blank=True)
    # A worker holds the row while it talks to the portal; an expired lease
    # means the worker died and the sweep may send the step again.
    lease_until = models.DateTimeField(null=True, blank=True)
    # While a server is in a planned stop (guideline §2.5): which one, and when
    # the portal says the chain is back (in the portal's time, shown as is).
    blocked_server = models.CharField(max_length=40, blank=True)
    blocked_reason = models.CharField(max_length=20, blank=True)
    resume_at = models.DateTimeField(null=True, blank=True)
    waited = models.BooleanField(default=False)
    mail_sent_at = models.DateTimeField(null=True, blank=True)
    # Set when the personal data and tokens were deleted (consent ended or
    # withdrawn); the row stays as the record that a retrieval took place.
    purged_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["state", "next_try_at"])]

    def __str__(self) -> str:
        return f"Retrieval {self.id} ({self.state})"


class RetrievalEvent(models.Model):
    """One call of the bank to the portal, for the developer page's timeline."""

    retrieval = models.ForeignKey(
        Retrieval, on_delete=models.CASCADE, related_name="events"
    )
    step = models.CharField(max_length=20)
    at = models.DateTimeField(auto_now_add=True)
    status = models.PositiveSmallIntegerField()
    duration_ms = models.PositiveIntegerField(default=0)
    summary = models.JSONField(default=dict)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.step} {self.status}"
