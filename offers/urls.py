from django.urls import path

from offers import price_change_views, quantity_views, views

app_name = "offers"

urlpatterns = [
    path("", views.contract_list, name="list"),
    path("<int:pk>/", views.contract_detail, name="detail"),
    path("<int:pk>/terminate/", views.contract_terminate, name="terminate"),
    path("<int:pk>/terminate/cancel/", views.termination_cancel, name="termination_cancel"),
    path(
        "<int:pk>/lines/<int:line_pk>/quantity/",
        quantity_views.line_quantity,
        name="line_quantity",
    ),
    path(
        "<int:pk>/lines/<int:line_pk>/quantity/cancel/",
        quantity_views.line_quantity_cancel,
        name="line_quantity_cancel",
    ),
    path(
        "<int:pk>/price-changes/<int:change_pk>/refuse/",
        price_change_views.price_change_refuse_view,
        name="price_change_refuse",
    ),
    path(
        "<int:pk>/price-changes/<int:change_pk>/accept/",
        price_change_views.price_change_accept_view,
        name="price_change_accept",
    ),
]
