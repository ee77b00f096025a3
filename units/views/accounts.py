"""Public account pages: log in and out, activate an imported account, edit one's profile.

Activation flow: an administrator imports people (no password) and downloads a sheet of
one-time codes; each person opens /accounts/activate/, enters username + code and chooses a
password. The code is spent on use, expires after ACTIVATION_CODE_DAYS, and only its hash
is stored.

Throttling: django-axes refuses a login after AXES_FAILURE_LIMIT failures of one username
from one address (settings: Login throttling). Axes only sees `authenticate()`, so a wrong
activation code is reported to it here as a failed login of that username: guessing codes
and guessing passwords share one count.
"""

from __future__ import annotations

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters

from ..forms import ActivationForm, ProfileForm
from ..services import (
    ActivationCodeSpent,
    activation_code_find,
    activation_code_redeem,
)


def locked_out(request, original_response=None, credentials=None):
    """The page for a username and address that failed too often (AXES_LOCKOUT_CALLABLE).

    Axes passes its arguments in a different order on its async path, so nothing here
    relies on them."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(
        request,
        "units/locked_out.html",
        {"failure_limit": settings.AXES_FAILURE_LIMIT, "minutes": minutes},
        status=429,
    )


@sensitive_post_parameters("code", "password1", "password2")
def activate(request):
    credentials = {"username": request.POST.get("username", "")}
    if request.method == "POST" and AxesProxyHandler.is_locked(request, credentials):
        return locked_out(request)
    initial = {"username": request.GET.get("u", ""), "code": request.GET.get("c", "")}
    form = ActivationForm(
        request.POST or None, initial=initial, activation_lookup=activation_code_find
    )
    if request.method == "POST" and form.is_valid():
        try:
            person = activation_code_redeem(
                activation=form.activation, password=form.cleaned_data["password1"]
            )
        except ActivationCodeSpent:
            # Another request (a double click, a second tab) spent the code a moment ago.
            form.add_error(
                None, _("该激活码已被使用，账号已激活：请直接用新密码登录。")
            )
            return render(request, "units/activate.html", {"form": form}, status=409)
        login(request, person, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("账号已激活，欢迎使用清廉学堂。"))
        return redirect("home:me")
    if request.method == "POST" and form.has_error("__all__", "invalid_code"):
        user_login_failed.send(
            sender=__name__, credentials=credentials, request=request
        )
        if getattr(request, "axes_locked_out", False):
            return locked_out(request)
    return render(request, "units/activate.html", {"form": form})


@login_required
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("资料已保存。"))
        return redirect("home:me")
    return render(request, "units/profile.html", {"form": form})
