"""Admin forms: built-in satisfaction options, question structure that freezes once
its survey has collected data, and campaign settings that freeze once the campaign has
opened."""

from __future__ import annotations

from django.forms.formsets import DELETION_FIELD_NAME
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from .models import CampaignState
from .selectors import survey_has_collected_data
from .services import (
    campaigns_rescore,
    question_change_check,
    question_options_ensure,
)

LOCKED_AFTER_OPENING = ("survey", "root_unit", "mode")
EDITABLE_AFTER_CLOSING = ("title", "description")


class QuestionAdminForm(WagtailAdminModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and survey_has_collected_data(
            survey_id=self.instance.survey_id
        ):
            # Say so before the manager tries: question_change_check refuses the change.
            for name in ("survey", "code", "kind"):
                if name in self.fields:
                    self.fields[name].help_text = _("该问卷已有答卷，不能修改。")

    def clean(self):
        cleaned = super().clean()
        formset = self.formsets["options"]
        formset.is_valid()
        kept = {}
        for form in formset.initial_forms:
            data = getattr(form, "cleaned_data", {})
            if form.instance.pk and not data.get(DELETION_FIELD_NAME):
                kept[form.instance.pk] = data.get("code", form.instance.code)
        # A field with its own error is reported by that error alone.
        if all(cleaned.get(name) for name in ("survey", "code", "kind")):
            question_change_check(
                question=self.instance,
                survey_id=cleaned["survey"].pk,
                code=cleaned["code"],
                kind=cleaned["kind"],
                options=kept,
            )
        return cleaned

    def save(self, commit=True):
        question = super().save(commit=commit)
        if commit:
            question_options_ensure(question=question)
            # Correct answers or items may have changed: rescore the open campaigns.
            campaigns_rescore(survey=question.survey)
        return question


class CampaignAdminForm(WagtailAdminModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.state != CampaignState.DRAFT:
            # The snapshot, links and responses belong to these: changing them would
            # rewrite history.
            for name in LOCKED_AFTER_OPENING:
                if name in self.fields:
                    self.fields[name].disabled = True
        if self.instance.pk and self.instance.state == CampaignState.CLOSED:
            # The frozen scorecard was computed with these targets and dates.
            for name, field in self.fields.items():
                if name not in EDITABLE_AFTER_CLOSING:
                    field.disabled = True
        if "root_unit" in self.fields:
            self.fields["root_unit"].queryset = self.fields[
                "root_unit"
            ].queryset.order_by("path")
