"""Admin pages beyond the snippet listing: import, template, bank export and reports."""

from __future__ import annotations

from pathlib import PurePath

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tabular.admin_views import ImportView
from tabular.exporting import download_response, rows_to_csv, rows_to_xlsx
from units.permissions import (
    Scope,
    can_edit_content,
    can_see_answer_keys,
    scorecard_scope,
)

from . import charts, reports
from .imports import OPTION_COLUMNS, TEMPLATE_COLUMNS, questions_import
from .models import Question, QuizPage
from .models.questions import OPTION_KEYS

FORMAT_SUFFIX = {"xlsx": ".xlsx", "csv": ".csv", "gift": ".gift", "aiken": ".txt"}


class QuestionUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("文件"),
        help_text=gettext_lazy(
            "xlsx 或 csv（按模板）、Moodle GIFT（.gift/.txt）或 Aiken（.txt）。"
        ),
    )
    format = forms.ChoiceField(
        label=gettext_lazy("格式"),
        choices=[
            ("", gettext_lazy("按扩展名判断（.txt 视为 Aiken）")),
            ("xlsx", "xlsx"),
            ("csv", "csv"),
            ("gift", "Moodle GIFT"),
            ("aiken", "Aiken"),
        ],
        required=False,
    )
    skip_unsupported = forms.BooleanField(
        label=gettext_lazy("跳过无法导入的题目"),
        help_text=gettext_lazy(
            "GIFT、Aiken：其他题型（填空、数值、配对、问答、说明）和部分得分的题目"
            "逐一列出并跳过，其余题目照常导入。不勾选时，有这样的题目就整个文件不导入。"
        ),
        required=False,
    )

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("file")
        if upload is None:
            return cleaned
        if upload.size > settings.IMPORT_MAX_BYTES:
            raise forms.ValidationError(_("文件过大。"))
        suffix = PurePath(upload.name).suffix.lower()
        file_format = cleaned.get("format") or {
            ".xlsx": "xlsx",
            ".csv": "csv",
            ".gift": "gift",
            ".txt": "aiken",
        }.get(suffix)
        if file_format is None:
            raise forms.ValidationError(_("无法识别文件格式，请选择格式。"))
        cleaned["format"] = file_format
        return cleaned


class QuestionImportView(ImportView):
    """The shared upload → preview → confirm flow, with GIFT and Aiken besides sheets."""

    title = gettext_lazy("导入题目")
    success_url_name = "wagtailsnippets_quizzes_question:list"
    example_url_name = "quizzes_admin:template"
    columns = [
        ("编号", gettext_lazy("必填，稳定编号；已存在则更新该题")),
        ("题型", gettext_lazy("单选、多选、判断；留空时按答案推断")),
        ("题干", gettext_lazy("必填，情景描述与问题")),
        (
            "选项A…选项F",
            gettext_lazy("至少两个，依次填写不要跳空；判断题可留空（自动为 对、错）"),
        ),
        (
            "答案",
            gettext_lazy("如 B、AC、A,C、A、C，全角字母亦可；判断题写 对/错 或 √/×"),
        ),
        ("解析", gettext_lazy("答题后显示")),
        (
            "依据",
            gettext_lazy(
                "制度名称和条款，如《中国共产党纪律处分条例》；条款未核实时只写名称"
            ),
        ),
        ("难度", gettext_lazy("易、中、难（留空为中）")),
        ("标签", gettext_lazy("用逗号或顿号分隔，随机抽题按标签")),
        ("状态", gettext_lazy("启用、草稿、停用（留空为启用）")),
        ("反馈A…反馈F", gettext_lazy("可选：选择该项后看到的说明")),
    ]
    preview_columns = [
        ("code", gettext_lazy("编号")),
        ("kind", gettext_lazy("题型")),
        ("stem", gettext_lazy("题干")),
        ("answer", gettext_lazy("答案")),
    ]

    def has_permission(self, user):
        return can_edit_content(user)

    form_class = QuestionUploadForm
    carried_fields = ("format", "skip_unsupported")

    def run_import(self, *, data, filename, options, dry_run):
        return questions_import(
            data=data,
            filename=filename,
            file_format=options.get("format") or None,
            dry_run=dry_run,
            # The confirm step carries the box back as the text "True" or "False".
            skip_unsupported=options.get("skip_unsupported") in (True, "True"),
        )

    def stored_suffix(self, *, upload, options):
        return FORMAT_SUFFIX[options["format"]]


def question_template(request):
    """The import template: headers plus one example row."""
    if not can_edit_content(request.user):
        raise PermissionDenied
    headers = [h for h, _key, _example in TEMPLATE_COLUMNS]
    example = [e for _h, _key, e in TEMPLATE_COLUMNS]
    if request.GET.get("format") == "csv":
        return download_response(
            rows_to_csv(headers, [example]),
            stem="questions-template",
            file_format="csv",
        )
    return download_response(
        rows_to_xlsx([(_("题目"), headers, [example])]),
        stem="questions-template",
        file_format="xlsx",
    )


def question_export(request):
    """The whole bank in the template's layout, so an export can be edited and re-imported."""
    if not can_edit_content(request.user):
        raise PermissionDenied
    headers = [h for h, _key, _example in TEMPLATE_COLUMNS]
    kind_label = {"single": "单选", "multiple": "多选", "true_false": "判断"}
    difficulty_label = {1: "易", 2: "中", 3: "难"}
    status_label = {"active": "启用", "draft": "草稿", "retired": "停用"}
    rows = []
    for q in Question.objects.prefetch_related("options", "tags").order_by("code"):
        options = list(q.options.all())
        texts = [o.text for o in options] + [""] * (len(OPTION_COLUMNS) - len(options))
        feedbacks = [o.feedback for o in options] + [""] * (
            len(OPTION_COLUMNS) - len(options)
        )
        rows.append(
            [
                q.code,
                kind_label[q.kind],
                q.stem_text,
                *texts,
                "".join(OPTION_KEYS[i] for i, o in enumerate(options) if o.is_correct),
                q.explanation,
                q.rule_citation,
                difficulty_label[q.difficulty],
                ",".join(t.name for t in q.tags.all()),
                status_label[q.status],
                *feedbacks,
            ]
        )
    return download_response(
        rows_to_xlsx([(_("题目"), headers, rows)]), stem="questions", file_format="xlsx"
    )


def _report_scope(request) -> Scope:
    """Reports are computed over the reader's scope, resolved for this request."""
    scope = scorecard_scope(request.user)
    if scope.is_empty:
        raise PermissionDenied
    return scope


def report_index(request):
    scope = _report_scope(request)
    return TemplateResponse(
        request,
        "quizzes/admin/report_index.html",
        {
            "page_title": _("测验统计"),
            "header_title": _("测验统计"),
            "header_icon": "table",
            "quizzes": reports.quiz_summaries(scope=scope),
        },
    )


def report_detail(request, quiz_id: int):
    scope = _report_scope(request)
    quiz = get_object_or_404(QuizPage, pk=quiz_id)
    (summary,) = reports.quiz_summaries(scope=scope, quiz=quiz)
    answer_keys = can_see_answer_keys(request.user)
    return TemplateResponse(
        request,
        "quizzes/admin/report_detail.html",
        {
            "page_title": _("测验统计"),
            "page_subtitle": quiz.title,
            "header_title": quiz.title,
            "header_icon": "table",
            "quiz": quiz,
            "summary": summary,
            "items": reports.item_statistics(
                scope=scope, quiz=quiz, answer_keys=answer_keys
            ),
            "answer_keys": answer_keys,
            "units": reports.unit_rollup(scope=scope, quiz=quiz),
            "score_chart": charts.score_histogram(
                reports.score_histogram(scope=scope, quiz=quiz),
                pass_mark=quiz.pass_mark,
                title=_("分数分布（已提交的作答，每 10 分一段）"),
                chart_id=f"quiz-{quiz.pk}-scores",
            ),
        },
    )


def report_export(request, quiz_id: int):
    scope = _report_scope(request)
    quiz = get_object_or_404(QuizPage, pk=quiz_id)
    (summary,) = reports.quiz_summaries(scope=scope, quiz=quiz)
    # Unit managers' files leave the answer key out: it would reach the people they lead.
    answer_keys = can_see_answer_keys(request.user)
    overview = [
        ["quiz", quiz.title],
        ["attempts", summary.attempt_count],
        ["participants", summary.participants],
        ["passed", summary.passed_people],
        ["pass_rate", summary.pass_rate],
        ["mean_score", summary.mean_score],
        *[[f"score_{band}", n] for band, n in summary.distribution],
    ]
    item_rows = [
        [
            s.code,
            # A question whose key changed during the quiz has one row per key version.
            s.version,
            s.stem,
            *([s.correct_keys] if answer_keys else []),
            s.asked,
            s.correct,
            s.facility,
            s.discrimination,
            s.unanswered,
            *[f"{letter}:{n}" for letter, _text, n in s.options],
        ]
        for s in reports.item_statistics(
            scope=scope, quiz=quiz, answer_keys=answer_keys
        )
    ]
    unit_rows = [
        [
            u.code,
            u.name,
            u.kind.name,
            u.parent_code or "",
            u.subtree_headcount,
            u.participants,
            u.participation_rate,
            u.passed_people,
            u.pass_rate,
            u.mean_score,
            quiz.target_pass_rate / 100,
            u.status or "",
        ]
        for u in reports.unit_rollup(scope=scope, quiz=quiz)
    ]
    data = rows_to_xlsx(
        [
            (_("概况"), ["name", "value"], overview),
            (
                _("题目分析"),
                [
                    "question_code",
                    "key_version",
                    "stem",
                    *(["correct_keys"] if answer_keys else []),
                    "asked",
                    "correct",
                    "facility",
                    "discrimination",
                    "unanswered",
                    "options",
                ],
                item_rows,
            ),
            (
                _("单元统计"),
                [
                    "unit_code",
                    "unit_name",
                    "unit_kind",
                    "parent_code",
                    "headcount",
                    "participants",
                    "participation_rate",
                    "passed",
                    "pass_rate",
                    "mean_score",
                    "target",
                    "pass_status",
                ],
                unit_rows,
            ),
        ]
    )
    return download_response(data, stem=f"quiz-report-{quiz.slug}", file_format="xlsx")
