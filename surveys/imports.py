"""Spreadsheet importers (tabular.importing protocol): survey structure, paper responses.

Survey structure — one row per question: code, kind, text, options ("A:胡则|B:聂耳", or
labels alone, coded A, B, C… in order), correct ("A" or "A|C"), required (1/0), and an
optional section.

Paper responses — wide: a unit_code column, then one column per question code; values
are option codes or labels (several joined by |), blank = unanswered; one row = one
completed questionnaire.
"""

from __future__ import annotations

import re
import string

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from tabular.reading import Table
from tabular.report import ImportReport
from units.models import Unit, code_validator

from .models import Campaign, CampaignState, CampaignUnit, QuestionKind
from .selectors import survey_questions
from .services import QuestionSpec, answers_parse, responses_import, survey_create

KIND_ALIASES = {k.value: k.value for k in QuestionKind} | {
    "单选": QuestionKind.SINGLE,
    "多选": QuestionKind.MULTIPLE,
    "满意度": QuestionKind.SATISFACTION,
    "认知": QuestionKind.RECOGNITION,
    "文本": QuestionKind.TEXT,
    "数字": QuestionKind.NUMBER,
}
TRUE_TEXT = {"1", "是", "y", "yes", "true", "必答"}
FALSE_TEXT = {"0", "否", "n", "no", "false", "选答"}
OPTION_KINDS = {QuestionKind.SINGLE, QuestionKind.MULTIPLE, QuestionKind.RECOGNITION}
SEPARATOR = re.compile(r"[|｜]")


def split_values(text: str) -> list[str]:
    return [v.strip() for v in SEPARATOR.split(text or "") if v.strip()]


def parse_options(text: str) -> list[tuple[str, str]]:
    """`A:胡则|B:聂耳` → [("A", "胡则"), ("B", "聂耳")]; labels alone get A, B, C…"""
    parts = split_values(text)
    coded = [re.split(r"[:：]", p, maxsplit=1) for p in parts]
    if parts and all(len(c) == 2 and c[0].strip() for c in coded):
        return [(c[0].strip(), c[1].strip()) for c in coded]
    letters = string.ascii_uppercase
    return [(letters[i] if i < 26 else f"O{i + 1}", p) for i, p in enumerate(parts)]


class SurveyImporter:
    required = ("code", "kind", "text")
    aliases = {
        "编码": "code",
        "题目编码": "code",
        "题型": "kind",
        "题干": "text",
        "题目": "text",
        "选项": "options",
        "正确答案": "correct",
        "必答": "required",
        "部分": "section",
    }

    def __init__(self, title: str = "", description: str = ""):
        self.title = title
        self.description = description

    def validate(self, table: Table, report: ImportReport) -> list[QuestionSpec]:
        specs, seen = [], {}
        for row in table.rows:
            errors_before = len(report.errors)
            code = row.get("code")
            if not code:
                report.add(row.number, "code", _("编码不能为空。"))
            else:
                try:
                    code_validator(code)
                except ValidationError as exc:
                    report.add(row.number, "code", exc.messages[0])
                if code in seen:
                    report.add(
                        row.number,
                        "code",
                        _("编码“%(code)s”与第 %(row)s 行重复。")
                        % {"code": code, "row": seen[code]},
                    )
                seen.setdefault(code, row.number)
            kind = KIND_ALIASES.get(row.get("kind").lower() if row.get("kind") else "")
            if kind is None:
                report.add(
                    row.number,
                    "kind",
                    _("未知的题型“%(kind)s”，可选：%(choices)s。")
                    % {
                        "kind": row.get("kind"),
                        "choices": "、".join(k.value for k in QuestionKind),
                    },
                )
            text = row.get("text")
            if not text:
                report.add(row.number, "text", _("题干不能为空。"))
            required_text = row.get("required").lower()
            if required_text and required_text not in TRUE_TEXT | FALSE_TEXT:
                report.add(row.number, "required", _("必答请填 1 或 0。"))
            options = parse_options(row.get("options"))
            correct = set(split_values(row.get("correct")))
            if kind in OPTION_KINDS:
                codes = [c for c, _label in options]
                if len(options) < 2:
                    report.add(row.number, "options", _("选择题至少需要两个选项。"))
                elif len(set(codes)) != len(codes):
                    report.add(row.number, "options", _("选项编码重复。"))
                unknown = correct - set(codes)
                if unknown:
                    report.add(
                        row.number,
                        "correct",
                        _("正确答案“%(codes)s”不是本题的选项编码。")
                        % {"codes": "|".join(sorted(unknown))},
                    )
            elif kind is not None and options:
                report.add(
                    row.number,
                    "options",
                    _(
                        "满意度题使用内置选项，文本题和数字题没有选项：请把 options 留空。"
                    ),
                )
            if kind == QuestionKind.RECOGNITION and not correct:
                report.add(row.number, "correct", _("认知题必须填写正确答案。"))
            if kind not in (QuestionKind.RECOGNITION, None) and correct:
                report.add(row.number, "correct", _("只有认知题可以设置正确答案。"))
            if len(report.errors) > errors_before:
                continue
            spec = QuestionSpec(
                code=code,
                kind=kind,
                text=text,
                options=options if kind in OPTION_KINDS else [],
                correct=correct,
                required=required_text not in FALSE_TEXT,
                section=row.get("section"),
            )
            specs.append(spec)
            report.created += 1
            report.preview.append(
                {
                    "row": row.number,
                    "action": "create",
                    "code": code,
                    "kind": kind,
                    "text": text,
                    "options": "|".join(f"{c}:{label}" for c, label in spec.options),
                    "correct": "|".join(sorted(correct)),
                }
            )
        return specs

    def apply(self, plan: list[QuestionSpec], report: ImportReport) -> None:
        self.survey = survey_create(
            title=self.title, description=self.description, questions=plan
        )


class ResponseImporter:
    required = ("unit_code",)
    aliases = {"单元编码": "unit_code", "单元": "unit_code"}

    def __init__(self, campaign: Campaign):
        self.campaign = campaign

    def validate(self, table: Table, report: ImportReport) -> list:
        # Re-read: the campaign may have been closed since this importer was made.
        self.campaign.refresh_from_db(fields=["state"])
        if self.campaign.state != CampaignState.OPEN:
            report.add(0, "", _("只能向进行中的测评活动导入答卷。"))
            return []
        questions = survey_questions(survey_id=self.campaign.survey_id)
        by_code = {q.code: q for q in questions}
        columns = [h for h in table.headers if h != "unit_code"]
        unknown = [c for c in columns if c not in by_code]
        if unknown:
            report.add(
                1,
                "",
                _("未知的题目编码列：%(codes)s（本问卷的题目编码：%(valid)s）。")
                % {"codes": "、".join(unknown), "valid": "、".join(by_code)},
            )
        missing = [q.code for q in questions if q.required and q.code not in columns]
        if missing:
            report.add(
                1, "", _("缺少必答题的列：%(codes)s。") % {"codes": "、".join(missing)}
            )
        if not report.ok:
            return []
        codes = {row.get("unit_code") for row in table.rows}
        units = {u.code: u for u in Unit.objects.filter(code__in=codes)}
        in_campaign = set(
            CampaignUnit.objects.filter(
                campaign=self.campaign, unit__code__in=codes
            ).values_list("unit__code", flat=True)
        )
        plan = []
        for row in table.rows:
            unit_code = row.get("unit_code")
            unit = units.get(unit_code)
            if not unit_code:
                report.add(row.number, "unit_code", _("单元编码不能为空。"))
            elif unit is None:
                report.add(
                    row.number,
                    "unit_code",
                    _("未知的单元编码“%(code)s”。") % {"code": unit_code},
                )
            elif unit_code not in in_campaign:
                report.add(
                    row.number,
                    "unit_code",
                    _("单元“%(code)s”不在本测评活动范围内。") % {"code": unit_code},
                )
            values = {
                code: split_values(row.get(code))
                if by_code[code].has_options
                else [row.get(code)]
                for code in columns
            }
            answers, errors = answers_parse(questions=questions, values=values)
            for code, message in errors.items():
                report.add(row.number, code, message)
            if unit is None or unit_code not in in_campaign or errors:
                continue
            plan.append((unit, answers))
            report.created += 1
            report.preview.append(
                {
                    "row": row.number,
                    "action": "create",
                    "unit_code": unit_code,
                    "answered": len({a.question.pk for a in answers}),
                }
            )
        return plan

    def apply(self, plan: list, report: ImportReport) -> None:
        responses_import(campaign=self.campaign, rows=plan)
