"""Loan pre-screening applications (事前審査) and their decisions."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class LoanApplication(models.Model):
    class IncomeSource(models.TextChoices):
        MYNAPORTAL = "mynaportal", _("マイナポータルから取得")
        SELF_DECLARED = "self_declared", _("自己申告")

    class Decision(models.TextChoices):
        APPROVE = "approve", _("承認")
        REFER = "refer", _("要審査（担当者が確認します）")
        DECLINE = "decline", _("お見送り")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="loan_applications",
    )
    desired_date = models.DateField(_("お借入希望年月日"))
    amount_man_yen = models.PositiveIntegerField(_("お借入希望金額（万円）"))
    term_years = models.PositiveSmallIntegerField(_("お借入希望期間（年）"))
    annual_income_man_yen = models.PositiveIntegerField(_("年収（万円）"))
    income_source = models.CharField(max_length=20, choices=IncomeSource.choices)
    income_taxable_year = models.PositiveSmallIntegerField(null=True, blank=True)
    income_fetched_at = models.DateTimeField(null=True, blank=True)
    income_retrieval_id = models.UUIDField(null=True, blank=True)

    screening_rate_percent = models.DecimalField(max_digits=4, decimal_places=2)
    annual_repayment_yen = models.PositiveIntegerField()
    repayment_ratio_percent = models.DecimalField(max_digits=6, decimal_places=1)
    decision = models.CharField(max_length=10, choices=Decision.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("事前審査申込")
        verbose_name_plural = _("事前審査申込")
        permissions = [("view_personal_data", "Can see income and its source")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d} {self.amount_man_yen}万円"


class LoanDraft(models.Model):
    """What the customer typed, and the retrieval filling their income.

    Kept in the database rather than the session so that a retrieval which
    completes after a planned stop still lands in the customer's form, on any
    device, once they come back from the mail.
    """

    applicant = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="loan_draft"
    )
    typed = models.JSONField(default=dict)
    income_retrieval_id = models.UUIDField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Draft of {self.applicant_id}"


class DemoMail(models.Model):
    """A mail the demo 'sent', kept so stakeholders can read it on screen."""

    recipient = models.EmailField()
    subject = models.CharField(max_length=200)
    body = models.TextField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-sent_at"]

    def __str__(self) -> str:
        return self.subject


class AuditEntry(models.Model):
    """Who looked at whose personal data, and when; never the values."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL
    )
    at = models.DateTimeField(auto_now_add=True)
    action = models.CharField(max_length=20)
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=64)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type}"


class KioskApplication(models.Model):
    """Income handed to a loan service at the branch kiosk (guideline §3.3 ⑦).

    Made only when the customer pressed 「確認」 on 情報提供可否の確認; the
    customer has no account, so the 受付番号 shown on 取引完了 ties it to them.
    """

    class Service(models.TextChoices):
        CARD_LOAN = "card_loan", _("カードローンサービス")
        HOUSING_LOAN = "housing_loan", _("住宅ローンサービス")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    reference = models.CharField(_("受付番号"), max_length=12, unique=True)
    service = models.CharField(max_length=20, choices=Service.choices)
    annual_income_man_yen = models.PositiveIntegerField(_("年収（万円）"))
    income_taxable_year = models.PositiveSmallIntegerField()
    income_fetched_at = models.DateTimeField(null=True, blank=True)
    # One retrieval hands over once, even if 「確認」 is pressed twice at once.
    income_retrieval_id = models.UUIDField(unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("キオスク端末からの所得情報の提出")
        verbose_name_plural = _("キオスク端末からの所得情報の提出")

    def __str__(self) -> str:
        return f"{self.reference} ({self.get_service_display()})"
