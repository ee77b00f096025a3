"""Wagtail admin pages of a campaign beyond its listing: dashboard, open/close,
distribution (links, QR codes, posters), invitation codes, paper import, exports,
scorecard drill-down, and personal API tokens."""

from __future__ import annotations

import io

import segno
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tabular.admin_views import ImportView, UploadForm
from tabular.exporting import (
    CONTENT_TYPES,
    download_response,
    rows_to_csv,
    rows_to_xlsx,
)
from tabular.importing import import_file
from units import permissions
from units.models import Unit
from units.permissions import Scope

from .. import live
from ..exports import campaign_export
from ..imports import SurveyImporter, paper_import
from ..links import campaign_links, campaign_links_file, unit_link_url
from ..models import (
    ApiToken,
    Campaign,
    CampaignMode,
    CampaignState,
    CampaignUnit,
    Survey,
)
from ..scoring import MIN_RESPONDENTS_FOR_DETAIL
from ..selectors import (
    STRUCTURE_COLUMNS,
    campaigns_visible_to,
    distributions,
    item_rates,
    scorecard_read,
    survey_structure_rows,
)
from ..services import (
    api_token_issue,
    api_token_revoke,
    campaign_close,
    campaign_open,
    invitation_codes_issue,
)


def _managed_campaign(request, campaign_id: int) -> Campaign:
    if not permissions.can_manage_campaigns(request.user):
        raise PermissionDenied
    return get_object_or_404(
        Campaign.objects.select_related("survey", "root_unit"), pk=campaign_id
    )


def _render(request, template: str, title: str, **context):
    context |= {"page_title": title, "header_title": title, "header_icon": "tasks"}
    return TemplateResponse(request, template, context)


def dashboard(request, campaign_id: int):
    campaign = _managed_campaign(request, campaign_id)
    counts = {
        "units": campaign.campaign_units.count(),
        "responses": campaign.responses.filter(completed_at__isnull=False).count(),
        "codes": campaign.codes.count(),
        "codes_spent": campaign.codes.filter(spent=True).count(),
    }
    return _render(
        request,
        "surveys/admin/dashboard.html",
        campaign.title,
        campaign=campaign,
        counts=counts,
    )


@require_POST
def open_campaign(request, campaign_id: int):
    campaign = _managed_campaign(request, campaign_id)
    try:
        campaign_open(campaign=campaign)
        messages.success(request, _("测评活动已开始，各单元人数已快照。"))
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    return redirect("surveys_admin:dashboard", campaign_id=campaign.pk)


@require_POST
def close_campaign(request, campaign_id: int):
    campaign = _managed_campaign(request, campaign_id)
    try:
        campaign_close(campaign=campaign)
        messages.success(request, _("测评活动已结束，记分卡已冻结。"))
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    return redirect("surveys_admin:dashboard", campaign_id=campaign.pk)


def _qr_svg(url: str) -> SafeString:
    """Sized by CSS, not by the SVG: a viewBox and no width/height let the code scale to
    its frame whole. With fixed pixel sizes a frame smaller than the drawing cut off the
    right and bottom edge, a finder pattern included, and printed codes did not scan.
    The border is the standard quiet zone of 4 modules, on white so it survives a
    coloured background."""
    svg = segno.make(url, error="m").svg_inline(
        border=4, omitsize=True, light="#fff", title=url
    )
    return mark_safe(svg)  # noqa: S308 - segno writes the SVG and escapes the title


def _include_empty(request) -> bool:
    return request.GET.get("all") == "1"


def distribution(request, campaign_id: int):
    campaign = _managed_campaign(request, campaign_id)
    include_empty = _include_empty(request)
    links = campaign_links(campaign=campaign, include_empty=include_empty)
    file_format = request.GET.get("format")
    if file_format in ("csv", "xlsx"):
        return download_response(
            campaign_links_file(links=links, file_format=file_format),
            stem=_("%(title)s-单元链接") % {"title": campaign.title},
            file_format=file_format,
        )
    empty_units = (
        0 if include_empty else campaign.campaign_units.filter(headcount=0).count()
    )
    rows = [
        {"member": link.member, "url": link.url, "qr": _qr_svg(link.url)}
        for link in links
    ]
    return _render(
        request,
        "surveys/admin/distribution.html",
        _("发放：%(title)s") % {"title": campaign.title},
        campaign=campaign,
        rows=rows,
        include_empty=include_empty,
        empty_units=empty_units,
        all_query="all=1&" if include_empty else "",
    )


def qr_code(request, campaign_id: int, unit_code: str, file_format: str):
    campaign = _managed_campaign(request, campaign_id)
    if file_format not in ("svg", "png"):
        raise Http404
    member = get_object_or_404(CampaignUnit, campaign=campaign, unit__code=unit_code)
    qr = segno.make(unit_link_url(member=member), error="m")
    buffer = io.BytesIO()
    # 4 modules of quiet zone: the standard minimum, below which scanners miss codes
    # printed close to other ink.
    qr.save(buffer, kind=file_format, scale=10, border=4)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="image/svg+xml" if file_format == "svg" else "image/png",
    )
    response["Content-Disposition"] = content_disposition_header(
        True, f"qr-{campaign.pk}-{unit_code}.{file_format}"
    )
    return response


def posters(request, campaign_id: int):
    """One printable A4 page per unit: the browser's "print to PDF" makes the single file."""
    campaign = _managed_campaign(request, campaign_id)
    links = campaign_links(
        campaign=campaign,
        include_empty=_include_empty(request),
        unit_code=request.GET.get("unit") or None,
    )
    pages = [
        {"member": link.member, "url": link.url, "qr": _qr_svg(link.url)}
        for link in links
    ]
    return TemplateResponse(
        request, "surveys/admin/posters.html", {"campaign": campaign, "pages": pages}
    )


class CodesForm(forms.Form):
    unit = forms.ModelChoiceField(
        queryset=Unit.objects.none(), label=gettext_lazy("单元")
    )
    count = forms.IntegerField(
        label=gettext_lazy("数量"), min_value=1, max_value=2000, initial=50
    )

    def __init__(self, *args, campaign: Campaign, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.filter(
            campaign_units__campaign=campaign
        ).order_by("path")


def codes(request, campaign_id: int):
    """Issue codes and print them at once: only hashes are kept, so this sheet is the
    only copy of the codes."""
    campaign = _managed_campaign(request, campaign_id)
    if campaign.mode != CampaignMode.CODES:
        messages.error(request, _("只有邀请码方式的测评活动需要邀请码。"))
        return redirect("surveys_admin:dashboard", campaign_id=campaign.pk)
    form = CodesForm(request.POST or None, campaign=campaign)
    if request.method == "POST" and form.is_valid():
        unit = form.cleaned_data["unit"]
        issued = invitation_codes_issue(
            campaign=campaign, unit=unit, count=form.cleaned_data["count"]
        )
        entry = request.build_absolute_uri(reverse("surveys:code", args=[campaign.pk]))
        return TemplateResponse(
            request,
            "surveys/admin/code_sheet.html",
            {
                "campaign": campaign,
                "unit": unit,
                "codes": issued,
                "entry": entry,
                "qr": _qr_svg(entry),
                "issued_at": timezone.localtime(),
            },
        )
    return _render(
        request,
        "surveys/admin/codes.html",
        _("签发邀请码：%(title)s") % {"title": campaign.title},
        campaign=campaign,
        form=form,
    )


class ResponseImportView(ImportView):
    title = gettext_lazy("导入纸质问卷")
    preview_columns = [
        ("unit_code", gettext_lazy("单元编码")),
        ("answered", gettext_lazy("已答题数")),
        ("invalid", gettext_lazy("多选无效")),
    ]

    def has_permission(self, user):
        return permissions.can_manage_campaigns(user)

    def dispatch(self, request, *args, campaign_id: int, **kwargs):
        self.campaign = get_object_or_404(Campaign, pk=campaign_id)
        self.success_url_name = reverse("surveys_admin:dashboard", args=[campaign_id])
        codes = list(self.campaign.survey.questions.values_list("code", flat=True))
        self.columns = [
            ("unit_code", _("单元编码（必填，须在本活动范围内）")),
            (
                # The names column does not wrap: a long list of codes would squeeze
                # the explanation to one character a line on a phone.
                f"{codes[0]} … {codes[-1]}" if len(codes) > 2 else " ".join(codes),
                _(
                    "每题一列，列名为题目编码（本问卷：%(codes)s）；第 2 行可以是题目文字"
                    "（模板中的那一行），导入时跳过。填选项编码或选项文字，多选写 A|B、A,B "
                    "或 AB；留空为未答（必答题也一样）；单选题选了多项为多选无效，按未作答计。"
                )
                % {"codes": "、".join(codes)},
            ),
        ]
        return super().dispatch(request, *args, **kwargs)

    def breadcrumbs(self) -> list[dict]:
        # success_url_name holds the dashboard's path (redirect accepts both).
        return [
            {"url": reverse("wagtailadmin_home"), "label": _("仪表盘")},
            {"url": self.success_url_name, "label": self.campaign.title},
            {"url": "", "label": self.title},
        ]

    def run_import(self, *, data, filename, options, dry_run):
        return paper_import(
            campaign=self.campaign, data=data, filename=filename, dry_run=dry_run
        )

    def render(self, request, **context):
        response = super().render(request, **context)
        response.context_data["example_url"] = reverse(
            "surveys_admin:paper_template", args=[self.campaign.pk]
        )
        return response


class SurveyUploadForm(UploadForm):
    title = forms.CharField(
        label=gettext_lazy("问卷标题"),
        max_length=200,
        help_text=gettext_lazy("新问卷的标题，导入后仍可在问卷编辑页修改。"),
        error_messages={"required": gettext_lazy("请填写问卷标题。")},
    )
    field_order = ["title", "file"]


# Session key: upload token → the title typed with that upload.
IMPORT_TITLES = "surveys:import-titles"


class SurveyImportView(ImportView):
    title = gettext_lazy("从表格导入问卷")
    list_label = gettext_lazy("问卷")
    success_url_name = "surveys_survey:index"
    columns = [
        ("code", gettext_lazy("题目编码（必填，问卷内唯一）")),
        (
            "kind",
            gettext_lazy(
                "题型：single、multiple、satisfaction、recognition、text、number（或单选、多选、满意度、认知、文本、数字）"
            ),
        ),
        ("text", gettext_lazy("题干（必填）")),
        (
            "options",
            gettext_lazy(
                "选项：A:胡则|B:聂耳，或只写选项文字（自动编为 A、B、C…）；满意度、文本、数字题留空"
            ),
        ),
        (
            "correct",
            gettext_lazy("正确答案的选项编码，多个用 | 分隔（仅认知题，必填）"),
        ),
        ("required", gettext_lazy("必答 1 / 选答 0（留空为必答）")),
        ("section", gettext_lazy("部分（可选）")),
    ]
    preview_columns = [
        ("code", gettext_lazy("编码")),
        ("kind", gettext_lazy("题型")),
        ("text", gettext_lazy("题干")),
        ("options", gettext_lazy("选项")),
        ("correct", gettext_lazy("正确答案")),
    ]

    form_class = SurveyUploadForm
    carried_fields = ("title",)
    survey_title = ""

    def has_permission(self, user):
        return permissions.can_manage_campaigns(user)

    def post(self, request):
        # The title typed with an upload waits in the session under the upload's token,
        # so the confirmation creates the survey its uploader named — not a title posted
        # back from the page, and not from another session.
        titles = request.session.get(IMPORT_TITLES, {})
        token = request.POST.get("token", "")
        if token:
            self.survey_title = titles.pop(token, "")
            request.session[IMPORT_TITLES] = titles
            if not self.survey_title:
                messages.error(request, _("上传的文件已失效，请重新上传。"))
                return redirect(request.path)
            return super().post(request)
        reply = super().post(request)
        token = reply.context_data.get("token")
        if token:
            title = reply.context_data["carried"]["title"]
            titles[token] = title
            request.session[IMPORT_TITLES] = titles
            messages.info(
                request, _("确认后将创建问卷“%(title)s”。") % {"title": title}
            )
        return reply

    def run_import(self, *, data, filename, options, dry_run):
        title = self.survey_title or options.get("title", "")
        return import_file(
            SurveyImporter(title=title), data=data, filename=filename, dry_run=dry_run
        )


def survey_export(request, survey_id: int):
    if not permissions.can_manage_campaigns(request.user):
        raise PermissionDenied
    survey = get_object_or_404(Survey, pk=survey_id)
    file_format = request.GET.get("format", "xlsx")
    rows = survey_structure_rows(survey_id=survey.pk)
    if file_format == "csv":
        data = rows_to_csv(STRUCTURE_COLUMNS, rows)
    elif file_format == "xlsx":
        data = rows_to_xlsx([("questions", STRUCTURE_COLUMNS, rows)])
    else:
        raise Http404
    return download_response(
        data, stem=f"survey-{survey.pk}", file_format=file_format, dated=False
    )


def export(request, campaign_id: int):
    scope, campaign = _readable_campaign(request, campaign_id)
    file_format = request.GET.get("format", "xlsx")
    by = request.GET.get("by", "unit")
    if file_format not in CONTENT_TYPES or by not in ("unit", "kind"):
        raise Http404
    data = campaign_export(
        campaign=campaign,
        file_format=file_format,
        by=by,
        scope=scope,
        answer_keys=permissions.can_see_answer_keys(request.user),
    )
    return download_response(
        data, stem=f"scorecard-{campaign.pk}-{by}", file_format=file_format
    )


def _readable_campaign(request, campaign_id: int) -> tuple[Scope, Campaign]:
    """The reader's scope, resolved for this request, and the campaign if it has a unit
    in that scope; otherwise a 404, so nothing says whether it exists."""
    scope = permissions.scorecard_scope(request.user)
    if scope.is_empty:
        raise Http404
    campaign = get_object_or_404(
        campaigns_visible_to(scope=scope).select_related("survey", "root_unit"),
        pk=campaign_id,
    )
    return scope, campaign


def scorecards(request):
    """Campaigns whose scorecard the user may open (unit managers: overlapping their scope)."""
    scope = permissions.scorecard_scope(request.user)
    if scope.is_empty:
        raise PermissionDenied
    campaigns = campaigns_visible_to(scope=scope).exclude(state=CampaignState.DRAFT)
    return _render(
        request,
        "surveys/admin/scorecards.html",
        _("测评记分卡"),
        campaigns=campaigns[:200],
    )


def scorecard(request, campaign_id: int):
    scope, campaign = _readable_campaign(request, campaign_id)
    report, detail = scorecard_read(campaign=campaign, scope=scope)
    page = live.scorecard_page(
        campaign=campaign, report=report, code=request.GET.get("unit")
    )
    if page is None:
        raise Http404
    row, unit = page["row"], page["unit"]
    # Per-item counts are per-question data too: both follow the small-cell rule.
    detail_visible = detail.shows(row["unit_code"])
    questions = (
        distributions(
            campaign=campaign,
            root=unit,
            quiet_units=detail.quiet,
            answer_keys=permissions.can_see_answer_keys(request.user),
        )
        if detail_visible
        else []
    )
    title = _("记分卡：%(title)s") % {"title": campaign.title}
    return _render(
        request,
        "surveys/admin/scorecard.html",
        title,
        campaign=campaign,
        report=report,
        items=item_rates(campaign=campaign, root=unit) if detail_visible else [],
        questions=questions,
        detail_visible=detail_visible,
        min_detail=MIN_RESPONDENTS_FOR_DETAIL,
        live=campaign.state == CampaignState.OPEN,
        **page,
    )


class TokenForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("用途"), max_length=100)


def api_tokens(request):
    """Personal API tokens: the key is shown once, only its hash is kept."""
    if permissions.scorecard_scope(request.user).is_empty:
        raise PermissionDenied
    form = TokenForm(request.POST or None)
    new_key = ""
    if request.method == "POST" and request.POST.get("revoke"):
        # The id comes from the form: anything but one of the person's own token ids
        # (a typo, `abc`, someone else's) is simply not there.
        token_id = request.POST["revoke"]
        if not token_id.isdecimal():
            raise Http404
        token = get_object_or_404(ApiToken, pk=int(token_id), user=request.user)
        api_token_revoke(token=token)
        messages.success(request, _("令牌已吊销。"))
        return redirect("surveys_admin:api_tokens")
    if request.method == "POST" and form.is_valid():
        _token, new_key = api_token_issue(
            user=request.user, name=form.cleaned_data["name"]
        )
        form = TokenForm()
    tokens = ApiToken.objects.filter(user=request.user)
    return _render(
        request,
        "surveys/admin/api_tokens.html",
        _("API 令牌"),
        form=form,
        tokens=tokens,
        new_key=new_key,
    )
