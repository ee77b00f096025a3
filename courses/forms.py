"""Forms for learners: the story submission (廉洁家风故事征集)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from home.validators import validate_free_text, validate_single_line

from .sanitising import MAX_IMAGES, check_story_image, sanitise_story_html


class MultipleImageInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    """Several files from one input (Django's documented pattern)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget",
            MultipleImageInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(MultipleImageField, self).clean(f, initial) for f in files]


class StorySubmissionForm(forms.Form):
    token = forms.UUIDField(widget=forms.HiddenInput)
    title = forms.CharField(
        label=_("标题"), max_length=80, validators=[validate_single_line]
    )
    place = forms.CharField(
        label=_("地点"),
        max_length=80,
        required=False,
        validators=[validate_single_line],
        help_text=_("故事发生的地方，如“古山镇胡库村”。"),
    )
    text = forms.CharField(
        label=_("故事正文"),
        max_length=8000,
        widget=forms.Textarea(attrs={"rows": 12}),
        validators=[validate_free_text],
        help_text=_("讲讲您家的家风家训和背后的故事。空一行开始新段落。"),
    )
    images = MultipleImageField(
        label=_("图片（最多 6 张）"),
        required=False,
        help_text=_("JPG、PNG 或 WebP，每张不超过 5 MB。请只上传您有权分享的照片。"),
    )

    def clean_text(self):
        text = self.cleaned_data["text"]
        if len(sanitise_story_html(text)) < 20:
            raise ValidationError(_("正文太短，请至少写几句话。"))
        return text

    def clean_images(self):
        images = self.cleaned_data.get("images") or []
        if len(images) > MAX_IMAGES:
            raise ValidationError(_("最多上传 6 张图片。"))
        checked, errors = [], []
        for upload in images:
            try:
                checked.append(check_story_image(upload))
            except ValidationError as error:
                errors.extend(error.messages)
        if errors:
            raise ValidationError(errors)
        return checked
