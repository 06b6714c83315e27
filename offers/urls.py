from django.urls import path

from offers import views

app_name = "offers"

urlpatterns = [
    path("", views.contract_list, name="list"),
    path("<int:pk>/", views.contract_detail, name="detail"),
    path("<int:pk>/terminate/", views.contract_terminate, name="terminate"),
    path("<int:pk>/terminate/cancel/", views.termination_cancel, name="termination_cancel"),
]
