from typing import Any, TypeVar

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest, HttpResponse

from loans.models import AuditEntry, KioskApplication, LoanApplication

PERSONAL_FIELDS = (
    "annual_income_man_yen",
    "income_source",
    "income_taxable_year",
    "income_fetched_at",
    "repayment_ratio_percent",
    "annual_repayment_yen",
)
PERMISSION = "loans.view_personal_data"

_Record = TypeVar("_Record", bound=Model)


class PersonalDataAdmin(admin.ModelAdmin[_Record]):
    """Read-only records; income only with a permission, every look audited."""

    columns: list[str] = []

    def get_list_display(  # type: ignore[override]
        self, request: HttpRequest
    ) -> list[str]:
        return [name for name in self.columns if self._may_see(request, name)]

    def get_fields(  # type: ignore[override]
        self, request: HttpRequest, obj: Any = None
    ) -> list[str]:
        names = [field.name for field in self.model._meta.fields]
        return [name for name in names if self._may_see(request, name)]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return self.get_fields(request, obj)

    def _may_see(self, request: HttpRequest, name: str) -> bool:
        return name not in PERSONAL_FIELDS or request.user.has_perm(PERMISSION)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        if request.user.has_perm(PERMISSION):
            self._audit(request, "view", object_id)
        return super().change_view(request, object_id, form_url, extra_context)

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if request.user.has_perm(PERMISSION):
            self._audit(request, "view_list", "*")
        return super().changelist_view(request, extra_context)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def _audit(self, request: HttpRequest, action: str, object_id: str) -> None:
        AuditEntry.objects.create(
            user_id=request.user.pk,
            action=action,
            object_type=self.model._meta.label,
            object_id=object_id[:64],
        )


@admin.register(LoanApplication)
class LoanApplicationAdmin(PersonalDataAdmin[LoanApplication]):
    """Applications for staff."""

    columns = [
        "created_at",
        "applicant",
        "amount_man_yen",
        "term_years",
        "annual_income_man_yen",
        "income_source",
        "repayment_ratio_percent",
        "decision",
    ]
    list_filter = ["decision", "income_source"]
    date_hierarchy = "created_at"


@admin.register(KioskApplication)
class KioskApplicationAdmin(PersonalDataAdmin[KioskApplication]):
    """Income handed over at the kiosk."""

    columns = ["created_at", "reference", "service", "annual_income_man_yen"]
    list_filter = ["service"]
    search_fields = ["reference"]
    date_hierarchy = "created_at"


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin[AuditEntry]):
    list_display = ["at", "user", "action", "object_type", "object_id"]
    list_filter = ["action"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
