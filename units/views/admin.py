"""Admin pages for units and people beyond the listings: import and its templates, export,
activation codes."""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tabular.admin_views import ImportView
from tabular.exporting import download_response, rows_to_csv
from tabular.import_templates import import_template_xlsx

from .. import permissions
from ..imports import (
    PEOPLE_TEMPLATE_HEADERS,
    PEOPLE_TEXT_COLUMNS,
    UNIT_TEMPLATE_HEADERS,
    UNIT_TEXT_COLUMNS,
    PersonImporter,
    UnitImporter,
    people_template_columns,
    unit_template_columns,
)
from ..models import Unit
from ..resources import (
    ACTIVATION_SHEET_HEADERS,
    activation_sheet_rows,
    export_people,
    export_units,
)
from ..selectors import people_not_activated
from ..services import activation_codes_issue

EXPORT_FORMATS = ("xlsx", "csv")


class UnitImportView(ImportView):
    importer_class = UnitImporter
    title = gettext_lazy("导入清廉单元")
    success_url_name = "units_unit:index"
    list_label = gettext_lazy("单元树")
    example_url_name = "units_admin:unit_template"

    @property
    def columns(self):
        return unit_template_columns()

    preview_columns = [
        ("code", gettext_lazy("编码")),
        ("name", gettext_lazy("名称")),
        ("kind", gettext_lazy("类型")),
        ("parent_code", gettext_lazy("上级编码")),
        ("headcount", gettext_lazy("人数")),
    ]

    def has_permission(self, user):
        return permissions.can_change_units(user)


class PersonImportView(ImportView):
    importer_class = PersonImporter
    title = gettext_lazy("导入人员")
    success_url_name = "units_person:index"
    list_label = gettext_lazy("人员")
    example_url_name = "units_admin:person_template"

    @property
    def columns(self):
        return people_template_columns()

    preview_columns = [
        ("username", gettext_lazy("用户名")),
        ("name", gettext_lazy("姓名")),
        ("unit_code", gettext_lazy("单元编码")),
        ("role", gettext_lazy("角色")),
    ]

    def has_permission(self, user):
        return permissions.can_import_people(user)


def unit_template(request):
    """The blank units template: the header row, and a sheet explaining each column."""
    if not permissions.can_change_units(request.user):
        raise PermissionDenied
    data = import_template_xlsx(
        sheet_title=_("清廉单元"),
        headers=UNIT_TEMPLATE_HEADERS,
        notes_title=_("填写说明"),
        notes=unit_template_columns(),
        text_columns=UNIT_TEXT_COLUMNS,
    )
    return download_response(
        data, stem=_("清廉单元导入模板"), file_format="xlsx", dated=False
    )


def person_template(request):
    """The blank people template, laid out like the units one."""
    if not permissions.can_import_people(request.user):
        raise PermissionDenied
    data = import_template_xlsx(
        sheet_title=_("人员"),
        headers=PEOPLE_TEMPLATE_HEADERS,
        notes_title=_("填写说明"),
        notes=people_template_columns(),
        text_columns=PEOPLE_TEXT_COLUMNS,
    )
    return download_response(
        data, stem=_("人员导入模板"), file_format="xlsx", dated=False
    )


def _format(request) -> str:
    file_format = request.GET.get("format", "xlsx")
    if file_format not in EXPORT_FORMATS:
        raise PermissionDenied
    return file_format


def unit_export(request):
    if not permissions.can_change_units(request.user):
        raise PermissionDenied
    file_format = _format(request)
    return download_response(
        export_units(Unit.objects.all(), file_format),
        stem="units",
        file_format=file_format,
    )


def person_export(request):
    if not permissions.can_import_people(request.user):
        raise PermissionDenied
    file_format = _format(request)
    people = permissions.people_visible_to(request.user).filter(is_superuser=False)
    return download_response(
        export_people(people, file_format), stem="people", file_format=file_format
    )


class ActivationCodesForm(forms.Form):
    unit = forms.ModelChoiceField(
        queryset=Unit.objects.order_by("path"),
        label=gettext_lazy("单元（含下级单元）"),
    )
    include_activated = forms.BooleanField(
        required=False,
        label=gettext_lazy("也为已激活的人员重新签发（其原密码仍然有效）"),
    )


def activation_codes(request):
    """Issue one-time codes for a subtree and download them at once: only hashes are kept,
    so this sheet is the only copy."""
    if not permissions.can_import_people(request.user):
        raise PermissionDenied
    form = ActivationCodesForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        root = form.cleaned_data["unit"]
        people = permissions.people_visible_to(request.user).filter(
            unit__path__startswith=root.path, is_active=True, is_superuser=False
        )
        if not form.cleaned_data["include_activated"]:
            people = people_not_activated(queryset=people)
        issued = activation_codes_issue(people=people.select_related("unit"))
        if issued:
            data = rows_to_csv(ACTIVATION_SHEET_HEADERS, activation_sheet_rows(issued))
            return download_response(
                data, stem=f"activation-codes-{root.code}", file_format="csv"
            )
        form.add_error(None, _("该范围内没有需要激活的人员。"))
    return TemplateResponse(
        request,
        "units/admin/activation_codes.html",
        {
            "form": form,
            "header_title": _("签发激活码"),
            "page_title": _("签发激活码"),
            "header_icon": "key",
            "breadcrumbs_items": [
                {"url": reverse("wagtailadmin_home"), "label": _("仪表盘")},
                {"url": reverse("units_person:index"), "label": _("人员")},
                {"url": "", "label": _("签发激活码")},
            ],
        },
    )
