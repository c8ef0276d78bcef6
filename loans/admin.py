from django.contrib import admin

from loans.models import LoanApplication


@admin.register(LoanApplication)
class LoanApplicationAdmin(admin.ModelAdmin[LoanApplication]):
    list_display = [
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
    readonly_fields = [field.name for field in LoanApplication._meta.fields]
    date_hierarchy = "created_at"

    def has_add_permission(self, request: object) -> bool:
        return False
