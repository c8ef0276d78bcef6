from django.contrib import admin

from mynaportal.client.models import Retrieval

DETAIL_FIELDS = (
    "id",
    "owner",
    "channel",
    "state",
    "tm_codes",
    "condition",
    "blocked_server",
    "blocked_reason",
    "resume_at",
    "next_try_at",
    "attempts",
    "error_code",
    "waited",
    "mail_sent_at",
    "created_at",
    "updated_at",
    "completed_at",
)


@admin.register(Retrieval)
class RetrievalAdmin(admin.ModelAdmin[Retrieval]):
    """Where retrievals stand; tokens and retrieved data are never shown."""

    list_display = [
        "created_at",
        "owner",
        "channel",
        "state",
        "blocked_server",
        "resume_at",
        "next_try_at",
        "attempts",
        "error_code",
    ]
    # The owner may be empty (a kiosk retrieval), which plain select_related()
    # does not follow: named here, or each row of the list reads its owner.
    list_select_related = ["owner"]
    list_filter = ["state", "channel", "blocked_server"]
    fields = DETAIL_FIELDS
    readonly_fields = DETAIL_FIELDS
    date_hierarchy = "created_at"

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
