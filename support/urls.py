from django.urls import path

from support import views

app_name = "support"

urlpatterns = [
    path("", views.ticket_list, name="tickets"),
    path("new/", views.ticket_create, name="ticket_create"),
    path("<int:pk>/", views.ticket_detail, name="ticket_detail"),
    path("<int:pk>/status/", views.ticket_status, name="ticket_status"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
    path("availability/", views.availability, name="availability"),
    path(
        "availability/<int:pk>/",
        views.availability_contract,
        name="availability_contract",
    ),
    path("reports/<int:pk>/request/", views.credit_request, name="credit_request"),
]
