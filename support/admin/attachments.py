"""Back office of the files attached to ticket messages: read-only."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from kernel.admin import ServiceRowsAdmin, file_download
from support.models import Attachment


@admin.register(Attachment)
class AttachmentAdmin(ServiceRowsAdmin):
    """Files of ticket messages, read-only (staff download them from here)."""

    list_display = ["original_name", "message", "content_type", "size", "created_at"]
    search_fields = ["original_name", "message__ticket__number"]
    exclude = ["file"]  # its /media/ link: the download below instead
    readonly_fields = ["message", "download", "original_name", "content_type", "size"]
    readonly_fields += ["created_at"]
    list_select_related = ["message__ticket"]

    def get_urls(self):
        return [
            path(
                "<int:pk>/download/",
                self.admin_site.admin_view(self.download_view),
                name="support_attachment_download",
            ),
            *super().get_urls(),
        ]

    @admin.display(description=_("file"))
    def download(self, attachment):
        url = reverse("admin:support_attachment_download", args=[attachment.pk])
        return format_html('<a href="{}">{}</a>', url, attachment.original_name)

    def download_view(self, request, pk):
        """The file under its original name and checked type (``attachment_check``)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        attachment = get_object_or_404(Attachment, pk=pk)
        return file_download(
            attachment.file,
            filename=attachment.original_name,
            content_type=attachment.content_type,
        )
