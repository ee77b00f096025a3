"""Public account pages: log in and out, activate an imported account, edit one's profile.

Activation flow: an administrator imports people (no password) and downloads a sheet of
one-time codes; each person opens /accounts/activate/, enters username + code and chooses a
password. The code is spent on use, expires after ACTIVATION_CODE_DAYS, and only its hash
is stored.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters

from ..forms import ActivationForm, ProfileForm
from ..services import activation_code_find, activation_code_redeem


@sensitive_post_parameters("code", "password1", "password2")
def activate(request):
    initial = {"username": request.GET.get("u", ""), "code": request.GET.get("c", "")}
    form = ActivationForm(
        request.POST or None, initial=initial, activation_lookup=activation_code_find
    )
    if request.method == "POST" and form.is_valid():
        person = activation_code_redeem(
            activation=form.activation, password=form.cleaned_data["password1"]
        )
        login(request, person, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("账号已激活，欢迎使用清廉学堂。"))
        return redirect("home:me")
    return render(request, "units/activate.html", {"form": form})


@login_required
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("资料已保存。"))
        return redirect("home:me")
    return render(request, "units/profile.html", {"form": form})
