"""Admin pages for units and people beyond the listings: import and its templates, export,
activation codes."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tabular.admin_views import ImportView
from tabular.exporting import download_response, rows_to_csv
from tabular.import_templates import import_template_xlsx
from tabular.reading import TableError, read_table
from tabular.report import ImportReport, RowError

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
from ..models import Unit, UnitImportJob
from ..resources import (
    ACTIVATION_SHEET_HEADERS,
    activation_sheet_rows,
    export_people,
    export_units,
)
from ..selectors import people_not_activated
from ..services import (
    activation_codes_issue,
    unit_import_job_confirm,
    unit_import_job_start,
)

EXPORT_FORMATS = ("xlsx", "csv")


class UnitImportView(ImportView):
    """The units import page. Files of more than UNIT_IMPORT_BACKGROUND_ROWS rows are
    checked and written by the background worker: the page (?job=<id>) shows a progress
    bar until the check is done, then the usual preview and confirm button, then the
    progress of the write."""

    importer_class = UnitImporter
    title = gettext_lazy("导入清廉单元")
    success_url_name = "units_unit:index"
    list_label = gettext_lazy("单元树")
    example_url_name = "units_admin:unit_template"

    def get(self, request):
        if "job" in request.GET:
            return self._job_page(request, self._job(request))
        return super().get(request)

    def post(self, request):
        if "job" in request.GET and request.POST.get("token") == request.GET["job"]:
            return self._job_confirm(request, self._job(request))
        form = self.form_class(request.POST, request.FILES)
        if not request.POST.get("token") and form.is_valid():
            upload = form.cleaned_data["file"]
            data = upload.read()
            upload.seek(0)
            rows = _row_count(data, upload.name)
            if rows > settings.UNIT_IMPORT_BACKGROUND_ROWS:
                job = unit_import_job_start(
                    user=request.user, data=data, filename=upload.name, rows=rows
                )
                return redirect(f"{reverse('units_admin:unit_import')}?job={job.pk}")
        return super().post(request)

    @staticmethod
    def _job(request) -> UnitImportJob:
        try:
            return UnitImportJob.objects.get(pk=request.GET["job"], user=request.user)
        except (UnitImportJob.DoesNotExist, ValidationError) as exc:
            raise Http404 from exc

    def _job_page(self, request, job: UnitImportJob):
        State = UnitImportJob.State
        if job.state == State.DONE:
            messages.success(
                request, _("导入完成：%(summary)s") % {"summary": job.report["summary"]}
            )
            return redirect(self.success_url_name)
        if job.state in (State.CHECKING, State.WRITING):
            return self.render(
                request,
                form=None,
                job=job,
                status=job_status(job),
                status_url=reverse("units_admin:unit_import_job", args=[job.pk]),
                template="units/admin/import_progress.html",
            )
        report, preview = _report_from_json(job.report)
        return self.render(
            request,
            form=self.form_class(),
            report=report,
            preview=preview,
            preview_truncated=job.report.get("preview_count", 0) > len(preview),
            token=job.pk if job.state == State.CHECKED and report.ok else "",
            carried={},
            filename=job.filename,
        )

    def _job_confirm(self, request, job: UnitImportJob):
        if not unit_import_job_confirm(job=job):
            messages.warning(request, _("该文件已确认导入，无需再次确认。"))
        return redirect(f"{reverse('units_admin:unit_import')}?job={job.pk}")

    def render(self, request, template=None, **context):
        response = super().render(request, **context)
        if template:
            response.template_name = template
        return response

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


def _row_count(data: bytes, filename: str) -> int:
    """Data rows of an upload, to choose between this request and the worker; a file
    that cannot be read is left to the normal check, which reports why."""
    try:
        table = read_table(
            data,
            filename,
            required=UnitImporter.required,
            aliases=UnitImporter.aliases,
        )
    except TableError:
        return 0
    return len(table.rows)


def _report_from_json(data: dict) -> tuple[ImportReport, list[dict]]:
    report = ImportReport(
        errors=[
            RowError(row, column, message) for row, column, message in data["errors"]
        ],
        created=data.get("created", 0),
        updated=data.get("updated", 0),
        unchanged=data.get("unchanged", 0),
        notes=list(data.get("notes", [])),
    )
    hidden = data.get("error_count", 0) - len(report.errors)
    if hidden > 0:
        report.notes.append(
            _("另有 %(count)s 处错误未列出。") % {"count": f"{hidden:,}"}
        )
    return report, list(data.get("preview", []))


def job_status(job: UnitImportJob) -> dict:
    """What the progress bar shows, also served as JSON to the page's script."""
    State = UnitImportJob.State
    total = job.rows_total or 0
    done = min(job.rows_done, total)
    checking_done = total and done >= total
    reading = job.state in (State.CHECKING, State.WRITING) and done == 0
    if reading:
        label = _("正在读取文件…")
    elif job.state == State.CHECKING:
        label = _("正在检查第 %(done)s / %(total)s 行…") % {
            "done": f"{done:,}",
            "total": f"{total:,}",
        }
    elif job.state == State.WRITING and not checking_done:
        label = _("正在再次检查第 %(done)s / %(total)s 行…") % {
            "done": f"{done:,}",
            "total": f"{total:,}",
        }
    elif job.state == State.WRITING:
        label = _("正在写入 %(total)s 个单元…") % {"total": f"{total:,}"}
    else:
        label = job.get_state_display()
    return {
        "state": job.state,
        "finished": job.state not in (State.CHECKING, State.WRITING),
        "done": done,
        "total": total,
        # Reading the file and the write (one transaction) have no steps to show.
        "indeterminate": reading
        or (job.state == State.WRITING and bool(checking_done)),
        "label": str(label),
    }


def unit_import_job_status(request, job_id):
    if not permissions.can_change_units(request.user):
        raise PermissionDenied
    job = get_object_or_404(UnitImportJob, pk=job_id, user=request.user)
    response = JsonResponse(job_status(job))
    response["Cache-Control"] = "no-store"
    return response


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
