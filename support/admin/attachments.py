"""Back office of the files attached to ticket messages: read-only."""

from django.contrib import admin

from kernel.admin import ServiceRowsAdmin
from support.models import Attachment


@admin.register(Attachment)
class AttachmentAdmin(ServiceRowsAdmin):
    """Files of ticket messages, read-only (staff download them from here)."""

    list_display = ["original_name", "message", "content_type", "size", "created_at"]
    search_fields = ["original_name", "message__ticket__number"]
    readonly_fields = ["message", "file", "original_name", "content_type", "size", "created_at"]
    list_select_related = ["message__ticket"]
