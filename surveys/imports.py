"""Spreadsheet importers (tabular.importing protocol): survey structure, paper responses.

Survey structure — one row per question: code, kind, text, options ("A:胡则|B:聂耳", or
labels alone, coded A, B, C… in order), correct ("A" or "A|C"), required (1/0), and an
optional section.

Paper responses — wide: a unit_code column, then one column per question code (the
paper template may add a second header row of question texts, which is skipped); values
are option codes or labels (several joined by |, or written `A,B`, `A、B`, `AB`), blank =
unanswered; one row = one completed questionnaire. Read a row at a time
(tabular.streaming) so that a 50,000-row file stays quick and small.
"""

from __future__ import annotations

import logging
import re
import string
from collections import Counter
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tabular.admin_views import PREVIEW_LIMIT
from tabular.importing import import_table, too_long
from tabular.reading import Table, TableError
from tabular.report import ImportReport, RowError
from tabular.streaming import stream_table
from units.models import Unit, code_validator

from .models import (
    Campaign,
    CampaignState,
    Option,
    Question,
    QuestionKind,
    Section,
)
from .selectors import survey_questions
from .services import (
    CleanAnswer,
    QuestionSpec,
    SubmissionError,
    responses_import,
    survey_create,
)

logger = logging.getLogger("surveys")

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
OPTION_CODE_MAX = Option._meta.get_field("code").max_length
OPTION_LABEL_MAX = Option._meta.get_field("label").max_length
SECTION_MAX = Section._meta.get_field("title").max_length


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
                for option_code, label in options:
                    if not too_long(
                        report, row.number, "options", option_code, OPTION_CODE_MAX
                    ):
                        too_long(report, row.number, "options", label, OPTION_LABEL_MAX)
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
            too_long(report, row.number, "section", row.get("section"), SECTION_MAX)
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


# --- paper questionnaires ---------------------------------------------------------------

# Several marks as clerks type them: `A|B` (the file format), `A,B`, `A、B`, `A B` — or
# `AB`, each letter an option code.
MARK_SEPARATOR = re.compile(r"[,，、;；/\s]+")
# First cell of the paper template's second header row (the question texts).
TEXT_ROW_MARKER = gettext_noop("单元编码")
# Distinct cell texts remembered per column: enough for every way of writing its
# options, bounded against a file of free-form garbage.
CACHE_LIMIT = 4096


def _same_text(cell: str, text: str) -> bool:
    # Exports prefix formula-like text with an apostrophe; spacing may differ in Excel.
    return "".join(cell.lstrip("'").split()) == "".join(text.split())


class _PaperColumn:
    """Reads one question's cells. Option answers are shared CleanAnswer objects, one
    per option, so a 50,000-row plan holds references, not a million new objects."""

    def __init__(self, question: Question):
        self.question = question
        options = list(question.options.all())
        self.codes = {o.code.upper(): o for o in options}
        self.labels = {o.label: o for o in options}
        self.answers = {o.pk: CleanAnswer(question=question, option=o) for o in options}
        self.choices = "、".join(f"{o.code} {o.label}" for o in options)
        correct = sum(1 for o in options if o.is_correct)
        # One mark only: single choice, satisfaction, a recognition item with one
        # correct option (the online form shows those as radio buttons too).
        self.single = question.kind in (
            QuestionKind.SINGLE,
            QuestionKind.SATISFACTION,
        ) or (question.kind == QuestionKind.RECOGNITION and correct <= 1)
        self.cache: dict[str, tuple[tuple[CleanAnswer, ...], bool, str]] = {}

    def read(self, text: str) -> tuple[tuple[CleanAnswer, ...], bool, str]:
        """(answers, several marks on a single-choice item, error) of a non-blank cell."""
        question = self.question
        if question.kind == QuestionKind.NUMBER:
            try:
                number = Decimal(text.replace(",", ""))
            except InvalidOperation:
                return (), False, _("请输入数字。")
            if not number.is_finite() or abs(number) >= Decimal("1e10"):
                return (), False, _("请输入合理范围内的数字。")
            return (CleanAnswer(question=question, number=number),), False, ""
        if not question.has_options:
            return (CleanAnswer(question=question, text=text[:4000]),), False, ""
        outcome = self.cache.get(text)
        if outcome is None:
            outcome = self._read_marks(text)
            if len(self.cache) < CACHE_LIMIT:
                self.cache[text] = outcome
        return outcome

    def _read_marks(self, text: str) -> tuple[tuple[CleanAnswer, ...], bool, str]:
        chosen: list[Option] = []
        bad: list[str] = []
        for piece in split_values(text):
            found = self._marks(piece)
            if found is None:
                bad.append(piece)
                continue
            for option in found:
                if option not in chosen:
                    chosen.append(option)
        if bad:
            message = _("没有这个选项：%(values)s（可选：%(choices)s）。") % {
                "values": "、".join(bad),
                "choices": self.choices,
            }
            return (), False, message
        if self.single and len(chosen) > 1:
            return (), True, ""
        return tuple(self.answers[o.pk] for o in chosen), False, ""

    def _option(self, piece: str) -> Option | None:
        return self.codes.get(piece.upper()) or self.labels.get(piece)

    def _marks(self, piece: str) -> list[Option] | None:
        option = self._option(piece)
        if option is not None:
            return [option]
        parts = [p for p in MARK_SEPARATOR.split(piece) if p]
        if len(parts) == 1 and len(piece) > 1:
            parts = list(piece)  # `AB`: option codes written together
            found = [self.codes.get(p.upper()) for p in parts]
        else:
            found = [self._option(p) for p in parts]
        return None if not found or None in found else found


class ResponseImporter:
    """Paper questionnaires (docs/metrics.md, paper): each row is one completed response as
    the paper shows it. A blank cell is an unanswered item, whatever `required` says
    online; several marks on a single-choice item are 多选无效 — stored as unanswered and
    counted per question in the report's notes. An unknown option, unit or column still
    rejects the file, with every bad row reported."""

    required = ("unit_code",)
    aliases = {"单元编码": "unit_code", "单元": "unit_code"}

    def __init__(self, campaign: Campaign):
        self.campaign = campaign
        self.invalid: Counter[str] = Counter()
        self.columns: list[str] = []  # question codes of the file, in survey order

    def validate(self, table: Table, report: ImportReport) -> list:
        """Read `table.rows` once (it may be a stream) into a plan for `apply`."""
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
                table.header_row,
                "",
                _("未知的题目编码列：%(codes)s（本问卷的题目编码：%(valid)s）。")
                % {"codes": "、".join(unknown), "valid": "、".join(by_code)},
            )
        # The file's shape, not the answers: a required question's column left out is
        # more likely a wrong file than a stack of papers that all skipped it.
        missing = [q.code for q in questions if q.required and q.code not in columns]
        if missing:
            report.add(
                table.header_row,
                "",
                _("缺少必答题的列：%(codes)s。") % {"codes": "、".join(missing)},
            )
        if not report.ok:
            return []
        self.columns = [q.code for q in questions if q.code in columns]
        readers = [(code, _PaperColumn(by_code[code])) for code in columns]
        units = {
            u.code: u
            for u in Unit.objects.filter(campaign_units__campaign=self.campaign).only(
                "id", "code"
            )
        }
        markers = {TEXT_ROW_MARKER, _(TEXT_ROW_MARKER)}
        plan: list[tuple[Unit, tuple[CleanAnswer, ...]]] = []
        outside: dict[str, list[int]] = {}  # unit code → indexes of its errors
        first, rows = True, 0
        for row in table.rows:
            values = row.values
            unit_code = values.get("unit_code", "")
            if first:
                first = False
                if self._is_text_row(values, unit_code, readers, markers):
                    continue
            rows += 1
            unit = units.get(unit_code)
            if not unit_code:
                report.add(row.number, "unit_code", _("单元编码不能为空。"))
            elif unit is None:
                # Unknown, or outside the campaign: told apart in one query below.
                outside.setdefault(unit_code, []).append(len(report.errors))
                report.add(row.number, "unit_code", "")
            answers: list[CleanAnswer] = []
            marked: list[str] = []
            failed = unit is None
            for code, reader in readers:
                text = values.get(code)
                if not text:
                    continue
                found, several, error = reader.read(text)
                if error:
                    report.add(row.number, code, error)
                    failed = True
                elif several:
                    marked.append(code)
                else:
                    answers += found
            if failed:
                continue
            self.invalid.update(marked)
            plan.append((unit, tuple(answers)))
            report.created += 1
            if len(report.preview) <= PREVIEW_LIMIT:
                report.preview.append(
                    {
                        "row": row.number,
                        "action": "create",
                        "unit_code": unit_code,
                        "answered": len({a.question.pk for a in answers}),
                        "invalid": "、".join(marked),
                    }
                )
        if not rows:
            report.add(0, "", _("文件中没有数据行。"))
        self._word_unit_errors(outside, report)
        if self.invalid and report.ok:
            report.notes.append(self.invalid_note())
        return plan

    def invalid_note(self) -> str:
        counts = "、".join(
            _("%(code)s %(count)s 处") % {"code": code, "count": self.invalid[code]}
            for code in self.columns
            if self.invalid[code]
        )
        return _(
            "多选无效（单选题选了多项，按未作答计）共 %(total)s 处：%(counts)s。"
        ) % {
            "total": self.invalid.total(),
            "counts": counts,
        }

    @staticmethod
    def _is_text_row(values, unit_code, readers, markers) -> bool:
        """The paper template's second header row (the question texts under their
        codes) is skipped, so a file typed into the template and one without that row
        import alike. A row naming a real unit code is always data."""
        if code_validator.regex.match(unit_code):
            return False
        return unit_code in markers or any(
            values.get(code) and _same_text(values[code], reader.question.text)
            for code, reader in readers
        )

    @staticmethod
    def _word_unit_errors(outside: dict[str, list[int]], report: ImportReport) -> None:
        codes = list(outside)
        known = set()
        for start in range(0, len(codes), 500):
            known.update(
                Unit.objects.filter(code__in=codes[start : start + 500]).values_list(
                    "code", flat=True
                )
            )
        for code, indexes in outside.items():
            if code in known:
                message = _("单元“%(code)s”不在本测评活动范围内。") % {"code": code}
            else:
                message = _("未知的单元编码“%(code)s”。") % {"code": code}
            for index in indexes:
                error = report.errors[index]
                report.errors[index] = RowError(error.row, error.column, message)

    def apply(self, plan: list, report: ImportReport) -> None:
        try:
            responses_import(campaign=self.campaign, rows=plan)
        except SubmissionError as exc:
            # Closed while the file was being checked: import_table rolls back.
            report.add(0, "", str(exc))


def paper_import(
    *, campaign: Campaign, data: bytes, filename: str, dry_run: bool
) -> ImportReport:
    """Check a paper file row by row as it is read and, when every row is good and this
    is no dry run, write it in one transaction (tabular.importing.import_table)."""
    report = ImportReport()
    importer = ResponseImporter(campaign)
    try:
        table = stream_table(
            data, filename, required=importer.required, aliases=importer.aliases
        )
        import_table(importer, table=table, report=report, dry_run=dry_run)
    except TableError as exc:
        report.add(0, "", str(exc))
    logger.info(
        "paper import campaign=%s file=%s responses=%s errors=%s invalid=%s"
        " dry_run=%s applied=%s",
        campaign.pk,
        filename,
        report.created,
        len(report.errors),
        dict(importer.invalid),
        dry_run,
        report.applied,
    )
    return report
