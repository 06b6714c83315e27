"""Customer portal pages of equipment, under ``/equipment/``."""

from django.urls import path

from equipment import views

app_name = "equipment"

urlpatterns = [
    path("", views.item_list, name="items"),
    path("<int:pk>/", views.item_detail, name="item"),
    path("<int:pk>/end-rental/", views.rental_end, name="rental_end"),
    path("<int:pk>/rma/", views.rma_create, name="rma_create"),
    path("rma/", views.rma_list, name="rmas"),
    path("rma/<int:pk>/", views.rma_detail, name="rma"),
    path("rma/<int:pk>/photos/<int:photo_pk>/", views.rma_photo, name="rma_photo"),
    path("returns/", views.return_list, name="returns"),
    path("returns/<int:pk>/label.pdf", views.return_label, name="return_label"),
    path("requests/", views.request_list, name="requests"),
]
