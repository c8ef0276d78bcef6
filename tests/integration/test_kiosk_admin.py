"""Staff see what the kiosk handed over; the income only with the permission."""

import uuid

import pytest
from django.core.management import call_command
from django.test import Client

from loans.models import AuditEntry, KioskApplication


@pytest.fixture
def handed_over(transactional_db: None) -> KioskApplication:
    call_command("seed_bank")
    return KioskApplication.objects.create(
        reference="KX3A7CDE",
        service=KioskApplication.Service.HOUSING_LOAN,
        annual_income_man_yen=650,
        income_taxable_year=2022,
        income_retrieval_id=uuid.uuid4(),
    )


def test_staff_see_the_kiosk_applications_but_not_the_income(
    handed_over: KioskApplication, client: Client
) -> None:
    client.login(username="staff", password="staff-demo-2026")

    changelist = client.get("/admin/loans/kioskapplication/")
    detail = client.get(f"/admin/loans/kioskapplication/{handed_over.pk}/change/")

    assert changelist.status_code == 200
    assert "KX3A7CDE" in changelist.content.decode()
    assert "650" not in changelist.content.decode()
    assert "650" not in detail.content.decode()
    assert AuditEntry.objects.count() == 0


def test_a_reviewer_sees_the_kiosk_income_and_the_look_is_audited(
    handed_over: KioskApplication, client: Client
) -> None:
    client.login(username="reviewer", password="reviewer-demo-2026")

    detail = client.get(f"/admin/loans/kioskapplication/{handed_over.pk}/change/")

    assert detail.status_code == 200
    assert "650" in detail.content.decode()
    entry = AuditEntry.objects.get()
    assert entry.object_type == "loans.KioskApplication"
    assert entry.object_id == str(handed_over.pk)
