"""Admin for superusers: the framework's tables are read-only here."""

from django.contrib import admin

from shopflow.core.models import ApiToken, AuditEvent, ChangeRecord, DocumentLink, NumberSequence


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written by services only; the admin may look, never touch."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class DocumentAdmin(ReadOnlyAdmin):
    """Documents change only through their services (state, numbers, links, audit)."""

    list_display = ("number", "state", "doc_date", "created_by", "approved_by")
    list_filter = ("state",)
    search_fields = ("number", "remarks")


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "doc_type", "doc_id", "action", "from_state", "to_state", "actor")
    list_filter = ("doc_type", "action")


@admin.register(ChangeRecord)
class ChangeRecordAdmin(ReadOnlyAdmin):
    list_display = ("at", "doc_type", "doc_id", "actor", "reason")


@admin.register(DocumentLink)
class DocumentLinkAdmin(ReadOnlyAdmin):
    list_display = ("source_type", "source_id", "target_type", "target_id", "quantity", "active")


@admin.register(NumberSequence)
class NumberSequenceAdmin(ReadOnlyAdmin):
    list_display = ("doc_type", "day", "last")


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = ("name", "user", "key_prefix", "created_at", "last_used_at", "revoked_at")
