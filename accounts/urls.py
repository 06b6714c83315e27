from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("company/", views.company, name="company"),
    path("company/sites/", views.site_list, name="sites"),
    path("company/sites/new/", views.site_edit, name="site_create"),
    path("company/sites/<int:pk>/edit/", views.site_edit, name="site_edit"),
    path("company/users/", views.user_list, name="users"),
    path("company/users/<int:pk>/role/", views.user_role, name="user_role"),
    path("company/users/<int:pk>/remove/", views.user_remove, name="user_remove"),
    path("company/users/<int:pk>/compromised/", views.user_compromised, name="user_compromised"),
    path("security/", views.security, name="security"),
    path("brand/logo/", views.brand_logo, name="brand_logo"),
]
