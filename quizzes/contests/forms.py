"""The phone's forms: the room's PIN, and a guest's name and unit."""

from __future__ import annotations

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from home.validators import validate_single_line
from units.models import Unit

from .models import Player

NAME_MAX = Player._meta.get_field("display_name").max_length


_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


class PinField(forms.CharField):
    def to_python(self, value):
        # Spaces typed between the digits, or full-width digits from a Chinese keyboard.
        value = super().to_python(value)
        return "".join(value.split()).translate(_DIGITS)


class PinForm(forms.Form):
    pin = PinField(
        label=_("房间码"),
        validators=[RegexValidator(r"^[0-9]{6}$", _("房间码是 6 位数字。"))],
        error_messages={"required": _("请输入大屏幕上的 6 位房间码。")},
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "off",
                "maxlength": "12",
                "class": "cp-pin-input",
            }
        ),
    )


class GuestForm(forms.Form):
    """A name and a unit chosen from the tree; the socket joins with them."""

    name = forms.CharField(
        label=_("姓名或昵称"),
        max_length=NAME_MAX,
        validators=[validate_single_line],
        error_messages={
            "required": _("请填写姓名或昵称。"),
            "max_length": _("姓名或昵称最多 %(limit_value)d 个字。"),
        },
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    unit = forms.CharField(
        label=_("所在单元"),
        max_length=64,
        error_messages={"required": _("请从列表中选择所在单元。")},
        widget=forms.HiddenInput(),
    )

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError(_("请填写姓名或昵称。"))
        return name

    def clean_unit(self):
        unit = Unit.objects.filter(code=self.cleaned_data["unit"]).first()
        if unit is None:
            raise forms.ValidationError(_("请从列表中选择所在单元。"))
        return unit
