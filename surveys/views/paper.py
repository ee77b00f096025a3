"""The paper questionnaire template of a campaign (xlsx), for clerks to type into."""

from __future__ import annotations

import io

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from tabular.exporting import CONTENT_TYPES, append_row
from units import permissions

from ..imports import TEXT_ROW_MARKER
from ..models import Campaign, QuestionKind
from ..selectors import survey_questions

TEXT_ROW_FILL = PatternFill("solid", fgColor="EEEEEE")


def paper_template_xlsx(*, campaign: Campaign) -> bytes:
    """First sheet: `unit_code` and the question codes, then the question texts (the
    importer skips that second row) and no example row — an example left in place
    would be imported as a questionnaire. Second sheet: how to fill each column, the
    options of each question. Third: the campaign's unit codes."""
    questions = survey_questions(survey_id=campaign.survey_id)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("答卷")
    sheet.append(["unit_code", *(q.code for q in questions)])
    append_row(sheet, [_(TEXT_ROW_MARKER), *(q.text for q in questions)])
    bold = Font(bold=True)
    for cell in sheet[1]:
        cell.font = bold
    for cell in sheet[2]:
        cell.fill = TEXT_ROW_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    # Codes and option letters are text: Excel must not turn 007 into 7.
    for column in sheet.iter_cols(min_row=1, max_row=1):
        letter = column[0].column_letter
        sheet.column_dimensions[letter].width = 16
        sheet.column_dimensions[letter].number_format = "@"
    sheet.row_dimensions[2].height = 60
    sheet.freeze_panes = "B3"

    notes = workbook.create_sheet(_("填写说明"))
    notes.append([_("列名"), _("题型"), _("题目"), _("可填")])
    notes.append(
        [
            "unit_code",
            "",
            _("单元编码（须在本活动范围内，见“单元”表）"),
            _("必填"),
        ]
    )
    for question in questions:
        options = " | ".join(f"{o.code} {o.label}" for o in question.options.all())
        if question.kind == QuestionKind.TEXT:
            options = _("文字")
        elif question.kind == QuestionKind.NUMBER:
            options = _("数字")
        append_row(
            notes,
            [question.code, question.get_kind_display(), question.text, options],
        )
    notes.append([])
    for line in (
        _("每行是一份纸质问卷，照纸上所填录入；第 2 行是题目文字，导入时跳过。"),
        _("填选项编码（如 A）或选项文字；多选题可写 A|B、A,B、A、B 或 AB。"),
        _("纸上没填的题留空：按未作答计，必答题也一样。"),
        _(
            "单选题选了多项的，照录（如 AB）：导入时按“多选无效”记为未作答，并分题统计。"
        ),
        _("填了不存在的选项或单元编码，整个文件都不会导入，并列出每处错误。"),
    ):
        append_row(notes, [line])
    for cell in notes[1]:
        cell.font = bold
    for letter, width in (("A", 14), ("B", 14), ("C", 60), ("D", 60)):
        notes.column_dimensions[letter].width = width

    units = workbook.create_sheet(_("单元"))
    units.append(["unit_code", _("单元名称")])
    for code, name in campaign.campaign_units.order_by("unit__path").values_list(
        "unit__code", "unit__name"
    ):
        append_row(units, [code, name])
    for cell in units[1]:
        cell.font = bold
    units.column_dimensions["A"].width = 20
    units.column_dimensions["B"].width = 40

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def paper_template(request, campaign_id: int):
    if not permissions.can_manage_campaigns(request.user):
        raise PermissionDenied
    campaign = get_object_or_404(Campaign, pk=campaign_id)
    response = HttpResponse(
        paper_template_xlsx(campaign=campaign), content_type=CONTENT_TYPES["xlsx"]
    )
    name = _("纸质问卷模板-%(title)s.xlsx") % {"title": campaign.title}
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=name
    )
    return response
