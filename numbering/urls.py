"""Customer portal pages of numbers (NUM-2) and port-in requests (NUM-3), under ``/numbers/``."""

from django.urls import path

from numbering import port_views, views

app_name = "numbering"

urlpatterns = [
    path("", views.number_list, name="numbers"),
    path("search/", views.number_search, name="search"),
    path("<int:pk>/release/", views.number_release, name="release"),
    path("ports/", port_views.port_list, name="ports"),
    path("ports/new/", port_views.port_create, name="port_create"),
    path("ports/<int:pk>/", port_views.port_detail, name="port_detail"),
    path("ports/<int:pk>/edit/", port_views.port_edit, name="port_edit"),
    path("ports/<int:pk>/submit/", port_views.port_submit, name="port_submit"),
    path("ports/<int:pk>/cancel/", port_views.port_cancel, name="port_cancel"),
    path("ports/<int:pk>/mandate/", port_views.port_mandate, name="port_mandate"),
]
