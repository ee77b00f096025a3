"""Forms for units and people: the admin edit forms and the public account forms."""

from __future__ import annotations

from django import forms
from django.contrib.auth import password_validation
from django.core.validators import MaxValueValidator
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from home.validators import validate_single_line

from .models import Role, Unit, User
from .services import HEADCOUNT_MAX, person_set_role, unit_create, unit_update


def _single_line(form, *names: str) -> None:
    """Refuse control characters and line breaks in these text fields: they break the
    exports and cannot be seen to be corrected."""
    for name in names:
        if name in form.fields:
            form.fields[name].validators.append(validate_single_line)


class UnitForm(WagtailAdminModelForm):
    """Edits a unit and places it in the tree; moves go through the service so the whole
    subtree follows."""

    parent = forms.ModelChoiceField(
        queryset=Unit.objects.order_by("path"),
        required=False,
        label=_("上级单元"),
        help_text=_("留空表示顶级单元（如市）。移动单元时，其下级单元随之移动。"),
    )

    class Meta:
        model = Unit
        fields = ["code", "name", "kind", "headcount"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The same range as the import: the column itself would accept 2³¹ − 1 people.
        self.fields["headcount"].max_value = HEADCOUNT_MAX
        self.fields["headcount"].validators.append(MaxValueValidator(HEADCOUNT_MAX))
        self.fields["headcount"].widget.attrs["max"] = HEADCOUNT_MAX
        _single_line(self, "code", "name")
        if self.instance.pk:
            self.fields["parent"].initial = self.instance.get_parent()
            self.fields["parent"].queryset = Unit.objects.exclude(
                path__startswith=self.instance.path
            ).order_by("path")

    def clean_parent(self):
        parent = self.cleaned_data.get("parent")
        if parent and self.instance.pk and parent.path.startswith(self.instance.path):
            raise forms.ValidationError(_("不能把单元移动到它自己或它的下级单元之下。"))
        return parent

    def save(self, commit=True):
        data = self.cleaned_data
        if self.instance.pk:
            return unit_update(
                unit=self.instance,
                code=data["code"],
                name=data["name"],
                kind=data["kind"],
                headcount=data["headcount"],
                parent=data["parent"],
            )
        created = unit_create(
            code=data["code"],
            name=data["name"],
            kind=data["kind"],
            headcount=data["headcount"],
            parent=data["parent"],
        )
        self.instance = created
        return created


class PersonForm(WagtailAdminModelForm):
    """An administrator's view of a person: no password here (people activate themselves)."""

    class Meta:
        model = User
        fields = [
            "username",
            "full_name",
            "unit",
            "role",
            "managed_unit",
            "email",
            "phone",
            "is_active",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].required = True
        self.fields["unit"].queryset = Unit.objects.order_by("path")
        self.fields["managed_unit"].queryset = Unit.objects.order_by("path")
        _single_line(self, "username", "full_name", "email", "phone")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("managed_unit") and cleaned.get("role") != Role.UNIT_MANAGER:
            self.add_error("managed_unit", _("只有单元管理员需要设置管理范围。"))
        return cleaned

    def save(self, commit=True):
        person = super().save(commit=False)
        if person.pk is None:
            person.set_unusable_password()
        person.save()
        return person_set_role(
            person=person,
            role=self.cleaned_data["role"],
            managed_unit=self.cleaned_data.get("managed_unit"),
        )


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("文件"),
        help_text=_("xlsx 或 csv（UTF-8、带 BOM 的 UTF-8 或 GBK 编码）。"),
    )


class ActivationForm(forms.Form):
    """A person proves who they are with the one-time code, then chooses a password."""

    username = forms.CharField(label=_("用户名"), max_length=150)
    code = forms.CharField(
        label=_("激活码"),
        max_length=32,
        help_text=_("管理员发给您的一次性激活码，如 ABCDE-FGH23。"),
    )
    password1 = forms.CharField(
        label=_("新密码"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("再次输入新密码"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, activation_lookup, **kwargs):
        super().__init__(*args, **kwargs)
        self._lookup = activation_lookup
        self.activation = None

    def clean(self):
        cleaned = super().clean()
        username, code = cleaned.get("username"), cleaned.get("code")
        if username and code:
            self.activation = self._lookup(username=username, code=code)
            if self.activation is None:
                raise forms.ValidationError(
                    _("用户名或激活码不正确，或激活码已使用、已过期。"),
                    code="invalid_code",
                )
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("两次输入的密码不一致。"))
        elif p1 and self.activation is not None:
            try:
                password_validation.validate_password(p1, self.activation.user)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["full_name", "email", "phone"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _single_line(self, "full_name", "email", "phone")
