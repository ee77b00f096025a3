from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from .views import accounts

app_name = "accounts"

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="units/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("activate/", accounts.activate, name="activate"),
    path("profile/", accounts.profile, name="profile"),
    path(
        "password/",
        auth_views.PasswordChangeView.as_view(
            template_name="units/password_change.html",
            success_url=reverse_lazy("home:me"),
        ),
        name="password_change",
    ),
]
