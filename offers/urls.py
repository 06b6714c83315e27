from django.urls import path  # noqa: F401

from offers import views  # noqa: F401

app_name = "offers"

urlpatterns: list = []
