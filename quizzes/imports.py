"""Importing questions: the xlsx/csv template, Moodle GIFT and Aiken.

Every format becomes rows of the template's columns, then one validator checks them all
and the import is all-or-nothing (tabular.importing). GIFT and Aiken rows are numbered by
the line on which the question starts, so errors point into the file.
"""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.utils.html import escape, strip_tags
from django.utils.translation import gettext as _

from surveys.option_order import label_pins_last
from tabular.importing import import_file, import_table, too_long
from tabular.reading import Row, Table, TableError, decode_text
from tabular.report import ImportReport, RowError

from .models import Difficulty, Option, Question, QuestionKind, QuestionStatus
from .models.questions import OPTION_KEYS, question_code_validator

OPTION_COLUMNS = tuple(f"选项{k}" for k in OPTION_KEYS)
CODE_MAX_LENGTH = Question._meta.get_field("code").max_length
RULE_NAME_MAX = Question._meta.get_field("rule_name").max_length
RULE_ARTICLE_MAX = Question._meta.get_field("rule_article").max_length
OPTION_TEXT_MAX = Option._meta.get_field("text").max_length
TAG_MAX = 100  # taggit's Tag.name
FEEDBACK_COLUMNS = tuple(f"反馈{k}" for k in OPTION_KEYS)
TEMPLATE_COLUMNS = (
    ("编号", "code", "FLJ-001"),
    ("题型", "kind", "单选"),
    ("题干", "stem", "春节前，一家你负责监管的企业快递来两箱酒，你应当怎么做？"),
    *(
        (c, "", t)
        for c, t in zip(
            OPTION_COLUMNS,
            ("收下后私下退回", "婉拒并按规定登记上交", "分给同事", "", "", ""),
            strict=True,
        )
    ),
    ("答案", "answer", "B"),
    ("解析", "explanation", "管理服务对象赠送的礼品不能收受，无法退回的应登记上交。"),
    ("依据", "rule", "《中国共产党纪律处分条例》"),
    ("难度", "difficulty", "易"),
    ("标签", "tags", "节日礼品,八项规定"),
    ("状态", "status", "启用"),
    *((c, "", "") for c in FEEDBACK_COLUMNS),
)

KIND_ALIASES = {
    "单选": QuestionKind.SINGLE,
    "单选题": QuestionKind.SINGLE,
    "single": QuestionKind.SINGLE,
    "多选": QuestionKind.MULTIPLE,
    "多选题": QuestionKind.MULTIPLE,
    "multiple": QuestionKind.MULTIPLE,
    "判断": QuestionKind.TRUE_FALSE,
    "判断题": QuestionKind.TRUE_FALSE,
    "true_false": QuestionKind.TRUE_FALSE,
    "truefalse": QuestionKind.TRUE_FALSE,
}
DIFFICULTY_ALIASES = {
    "": Difficulty.MEDIUM,
    "易": Difficulty.EASY,
    "简单": Difficulty.EASY,
    "1": Difficulty.EASY,
    "中": Difficulty.MEDIUM,
    "中等": Difficulty.MEDIUM,
    "2": Difficulty.MEDIUM,
    "难": Difficulty.HARD,
    "困难": Difficulty.HARD,
    "较难": Difficulty.HARD,
    "3": Difficulty.HARD,
}
STATUS_ALIASES = {
    "": QuestionStatus.ACTIVE,
    "启用": QuestionStatus.ACTIVE,
    "active": QuestionStatus.ACTIVE,
    "草稿": QuestionStatus.DRAFT,
    "draft": QuestionStatus.DRAFT,
    "停用": QuestionStatus.RETIRED,
    "retired": QuestionStatus.RETIRED,
}
TRUE_WORDS = {"对", "√", "✓", "✔", "正确", "是", "T", "TRUE"}
FALSE_WORDS = {"错", "×", "✗", "✘", "X", "错误", "否", "F", "FALSE"}
TRUE_FALSE_OPTIONS = ("对", "错")
ANSWER_SEPARATORS = re.compile(r"[\s,，、;；/]+")
# Commas and 顿号 as documented, not spaces: a tag may hold a space (a Moodle category
# "Default for New Features"), and the bank export joins tags with commas.
TAG_SEPARATORS = re.compile(r"[,，、;；\n]+")
ARTICLE = re.compile(r"^(.*?)(第[一二三四五六七八九十百千零〇\d]+条.*)$")


def parse_answer(text: str) -> tuple[str, bool]:
    """("AC", False) for "AC", "A,C", "A、C", "ａｃ"; ("A", True) / ("B", True) for 对/错.

    The flag says the answer was written as true/false.
    """
    text = unicodedata.normalize("NFKC", text).strip().upper()
    if text in TRUE_WORDS:
        return "A", True
    if text in FALSE_WORDS:
        return "B", True
    compact = ANSWER_SEPARATORS.sub("", text)
    return compact, False


def split_rule(text: str) -> tuple[str, str]:
    match = ARTICLE.match(text.strip())
    return (
        (match.group(1).strip(), match.group(2).strip())
        if match
        else (text.strip(), "")
    )


@dataclass
class QuestionRow:
    number: int
    code: str
    kind: str
    stem: str
    options: list[tuple[str, bool, str]]
    explanation: str
    rule_name: str
    rule_article: str
    difficulty: int
    tags: list[str]
    status: str
    existing: Question | None = None


class QuestionImporter:
    required = ("编号", "题干", "答案")
    aliases = (
        {
            "code": "编号",
            "题号": "编号",
            "kind": "题型",
            "type": "题型",
            "stem": "题干",
            "question": "题干",
            "answer": "答案",
            "正确答案": "答案",
            "explanation": "解析",
            "rule": "依据",
            "difficulty": "难度",
            "tags": "标签",
            "status": "状态",
        }
        | {f"option_{k.lower()}": f"选项{k}" for k in OPTION_KEYS}
        | {f"选项 {k}": f"选项{k}" for k in OPTION_KEYS}
    )

    def validate(self, table: Table, report: ImportReport) -> list[QuestionRow]:
        codes = [r.get("编号") for r in table.rows]
        existing = {q.code: q for q in Question.objects.filter(code__in=codes)}
        seen: dict[str, int] = {}
        plan: list[QuestionRow] = []
        for row in table.rows:
            parsed = self._row(row, report, seen)
            if parsed is None:
                continue
            parsed.existing = existing.get(parsed.code)
            action = "update" if parsed.existing else "create"
            if parsed.existing:
                report.updated += 1
            else:
                report.created += 1
            report.preview.append(
                {
                    "row": row.number,
                    "action": action,
                    "code": parsed.code,
                    "kind": QuestionKind(parsed.kind).label,
                    "stem": parsed.stem[:40],
                    "answer": "".join(
                        OPTION_KEYS[i] for i, o in enumerate(parsed.options) if o[1]
                    ),
                }
            )
            plan.append(parsed)
        return plan

    def _row(self, row: Row, report: ImportReport, seen: dict[str, int]):
        errors_before = len(report.errors)
        n = row.number
        code = row.get("编号")
        if not code:
            report.add(n, "编号", _("编号不能为空。"))
        else:
            try:
                question_code_validator(code)
            except ValidationError as exc:
                report.add(n, "编号", exc.messages[0])
            if code in seen:
                report.add(
                    n,
                    "编号",
                    _("编号“%(code)s”与第 %(row)s 行重复。")
                    % {"code": code, "row": seen[code]},
                )
            else:
                seen[code] = n
        stem = row.get("题干")
        if not stem:
            report.add(n, "题干", _("题干不能为空。"))
        texts = [row.get(c) for c in OPTION_COLUMNS]
        feedbacks = [row.get(c) for c in FEEDBACK_COLUMNS]
        last = max((i for i, t in enumerate(texts) if t), default=-1)
        gap = next((i for i in range(last) if not texts[i]), None)
        if gap is not None:
            report.add(
                n,
                OPTION_COLUMNS[gap],
                _("选项不能跳空：%(col)s 为空，但后面还有选项。")
                % {"col": OPTION_COLUMNS[gap]},
            )
        texts, feedbacks = texts[: last + 1], feedbacks[: last + 1]
        answer_text = row.get("答案")
        keys, as_true_false = parse_answer(answer_text)
        kind_text = row.get("题型").strip().lower()
        if kind_text:
            kind = KIND_ALIASES.get(kind_text)
            if kind is None:
                report.add(
                    n,
                    "题型",
                    _("未知题型“%(kind)s”，可选：单选、多选、判断。")
                    % {"kind": row.get("题型")},
                )
        elif as_true_false:
            kind = QuestionKind.TRUE_FALSE
        else:
            kind = QuestionKind.MULTIPLE if len(keys) > 1 else QuestionKind.SINGLE
        if kind == QuestionKind.TRUE_FALSE and not texts:
            # 对 and 错 are implied; their feedback (反馈A, 反馈B) still applies.
            texts = list(TRUE_FALSE_OPTIONS)
            feedbacks = [row.get(c) for c in FEEDBACK_COLUMNS[:2]]
        if not answer_text:
            report.add(n, "答案", _("答案不能为空。"))
        elif (
            kind == QuestionKind.TRUE_FALSE
            and not as_true_false
            and keys not in ("A", "B")
        ):
            report.add(
                n,
                "答案",
                _("判断题的答案应为 对/错、√/× 或 A/B：“%(a)s”") % {"a": answer_text},
            )
        elif kind is not None:
            self._check_keys(n, kind, keys, answer_text, len(texts), report)
        if kind == QuestionKind.TRUE_FALSE and len(texts) != 2:
            report.add(n, "选项A", _("判断题必须正好有两个选项（对、错）。"))
        elif kind is not None and len(texts) < 2:
            report.add(n, "选项A", _("至少需要两个选项。"))
        difficulty = DIFFICULTY_ALIASES.get(row.get("难度"))
        if difficulty is None:
            report.add(
                n,
                "难度",
                _("未知难度“%(d)s”，可选：易、中、难。") % {"d": row.get("难度")},
            )
        status = STATUS_ALIASES.get(row.get("状态").lower())
        if status is None:
            report.add(
                n,
                "状态",
                _("未知状态“%(s)s”，可选：启用、草稿、停用。") % {"s": row.get("状态")},
            )
        for column, text in zip(OPTION_COLUMNS, texts, strict=False):
            too_long(report, n, column, text, OPTION_TEXT_MAX)
        rule_name, rule_article = split_rule(row.get("依据"))
        if not too_long(report, n, "依据", rule_name, RULE_NAME_MAX):
            too_long(report, n, "依据", rule_article, RULE_ARTICLE_MAX)
        tags = [t.strip() for t in TAG_SEPARATORS.split(row.get("标签")) if t.strip()]
        for tag in tags:
            too_long(report, n, "标签", tag, TAG_MAX)
        if len(report.errors) > errors_before:
            return None
        return QuestionRow(
            number=n,
            code=code,
            kind=kind,
            stem=stem,
            options=[
                (t, OPTION_KEYS[i] in keys, f)
                for i, (t, f) in enumerate(zip(texts, feedbacks, strict=True))
            ],
            explanation=row.get("解析"),
            rule_name=rule_name,
            rule_article=rule_article,
            difficulty=difficulty,
            tags=tags,
            status=status,
        )

    @staticmethod
    def _check_keys(n, kind, keys, answer_text, option_count, report) -> None:
        valid = OPTION_KEYS[:option_count]
        bad = [k for k in keys if k not in valid]
        if bad or not keys:
            report.add(
                n,
                "答案",
                _("答案“%(a)s”不是有效的选项字母（本题可选 %(v)s）。")
                % {"a": answer_text, "v": "、".join(valid) or "—"},
            )
        elif len(set(keys)) != len(keys):
            report.add(n, "答案", _("答案中有重复的字母：“%(a)s”") % {"a": answer_text})
        elif kind == QuestionKind.SINGLE and len(keys) != 1:
            report.add(
                n, "答案", _("单选题只能有一个答案：“%(a)s”") % {"a": answer_text}
            )
        elif kind == QuestionKind.MULTIPLE and len(keys) < 2:
            report.add(
                n, "答案", _("多选题至少要有两个答案：“%(a)s”") % {"a": answer_text}
            )

    def apply(self, plan: list[QuestionRow], report: ImportReport) -> None:
        for r in plan:
            question = r.existing or Question(code=r.code)
            question.kind = r.kind
            # Plain text from a spreadsheet becomes one paragraph of rich text.
            question.stem = "".join(
                f"<p>{escape(line)}</p>" for line in r.stem.splitlines() if line.strip()
            )
            question.explanation = r.explanation
            question.rule_name, question.rule_article = r.rule_name, r.rule_article
            question.difficulty = r.difficulty
            question.status = r.status
            question.options = [
                Option(
                    text=t,
                    is_correct=c,
                    feedback=f,
                    sort_order=i,
                    pin_last=label_pins_last(t),
                )
                for i, (t, c, f) in enumerate(r.options)
            ]
            question.tags.set(r.tags)
            question.save()


# --- GIFT and Aiken --------------------------------------------------------------------
#
# Read as Moodle (the formats' reference implementation, question/format/gift and
# question/format/aiken) reads them, so a file means here what it means there. A question
# this bank cannot hold is never turned into a different question: it is refused with its
# line, or, when the importer asks for it, skipped and listed.


@dataclass
class QuestionImportReport(ImportReport):
    # Questions left out on request (skip_unsupported), each with its line and reason.
    skipped: list[RowError] = field(default_factory=list)


@dataclass
class _Refusals:
    """Where a question the bank cannot represent goes: an error (nothing is written), or
    with `skip` a line in `report.skipped` and a note the import page shows."""

    report: QuestionImportReport
    column: str
    skip: bool
    refused: int = 0

    def refuse(self, line: int, reason: str) -> None:
        if not self.skip:
            self.report.add(line, self.column, reason)
            self.refused += 1
            return
        skipped = RowError(row=line, column=self.column, message=str(reason))
        self.report.skipped.append(skipped)
        self.report.notes.append(_("已跳过：%(question)s") % {"question": skipped})

    def hint(self) -> None:
        if self.refused:
            self.report.notes.append(
                _(
                    "文件中有 %(n)s 道题无法按原意导入（见上方错误）。如只导入其余题目，"
                    "请勾选“跳过无法导入的题目”（命令行 --skip-unsupported），"
                    "被跳过的题目会逐一列出。"
                )
                % {"n": self.refused}
            )


def _hash_code(prefix: str, stem: str) -> str:
    # A stable code from the question text, so importing the same file twice updates.
    return f"{prefix}-{hashlib.sha1(stem.encode()).hexdigest()[:10].upper()}"  # noqa: S324


class _Codes:
    """Distinct codes that stay the same when the same file is imported again: the
    question's name when it is a valid code, else a hash of its text; the second and
    later questions with the same one get -2, -3… in file order. Refused and skipped
    questions take their turn too, so skipping does not renumber the others."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.seen: Counter[str] = Counter()

    def next(self, *, name: str, stem: str) -> str:
        base = name if _valid_code(name) else _hash_code(self.prefix, stem)
        self.seen[base] += 1
        if self.seen[base] == 1:
            return base
        suffix = f"-{self.seen[base]}"
        return base[: CODE_MAX_LENGTH - len(suffix)] + suffix


def _valid_code(text: str) -> bool:
    try:
        question_code_validator(text)
    except ValidationError:
        return False
    return True


def _blocks(text: str, comment: str | None = None):
    """Blank-line separated blocks, each with the number of its first line."""
    block: list[str] = []
    start = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if comment and line.lstrip().startswith(comment):
            continue
        if line.strip():
            if not block:
                start = number
            block.append(line.rstrip())
        elif block:
            yield start, block
            block = []
    if block:
        yield start, block


GIFT_ESCAPES = {
    "\\~": "\x01",
    "\\=": "\x02",
    "\\#": "\x03",
    "\\{": "\x04",
    "\\}": "\x05",
    "\\:": "\x06",
}
GIFT_UNESCAPE = {v: k[1] for k, v in GIFT_ESCAPES.items()}
GIFT_FORMAT = re.compile(r"^\s*\[(html|moodle|plain|markdown)\]")
GIFT_WEIGHT = re.compile(r"^\s*%(-?\d+(?:\.\d+)?)%")
GIFT_TRUE_FALSE = {"T": True, "TRUE": True, "F": False, "FALSE": False}
HTML_LINK = re.compile(
    r"<a\s[^>]*?href\s*=\s*[\"']([^\"']*)[\"'][^>]*>(.*?)</a>", re.I | re.S
)
HTML_BREAK = re.compile(r"<br\s*/?>|</(p|div|li|h\d)>", re.I)
# Moodle's multi-answer questions must have positive weights adding up to 100%; it
# stores 1/3 as 33.33333, so three of them make 99.99999.
WEIGHT_TOLERANCE = 0.01


def _gift_protect(text: str) -> str:
    for k, v in GIFT_ESCAPES.items():
        text = text.replace(k, v)
    return text


def _html_text(text: str) -> str:
    """[html] text as a reader sees it: line breaks kept, a link's address kept beside
    its words (it may be the point of the question), tags dropped. The bank stores plain
    text, never the file's HTML."""
    text = HTML_LINK.sub(lambda m: f"{m.group(2)}（{m.group(1)}）", text)
    return html.unescape(strip_tags(HTML_BREAK.sub("\n", text)))


def _gift_text(raw: str, *, default_format: str = "moodle") -> tuple[str, str]:
    """A GIFT fragment's text and format. As in Moodle, a question's answers and
    feedback take the question text's format unless they name their own."""
    match = GIFT_FORMAT.match(raw)
    text_format = match.group(1) if match else default_format
    text = raw[match.end() :] if match else raw
    for k, v in GIFT_UNESCAPE.items():
        text = text.replace(k, v)
    if text_format == "html":
        text = _html_text(text)
    return "\n".join(line.strip() for line in text.strip().splitlines()), text_format


def _gift_type(answers: str) -> str:
    """The question type Moodle reads from the text between the braces, in its order."""
    if not answers:
        return "essay"
    if answers.startswith("#"):
        return "numerical"
    if "~" in answers:
        return "multichoice"
    if "=" in answers and "->" in answers:
        return "match"
    if answers.partition("#")[0].strip() in GIFT_TRUE_FALSE:
        return "truefalse"
    return "shortanswer"


def _gift_unsupported() -> dict[str, str]:
    return {
        "description": _("说明文字（description，没有答案，不是题目）"),
        "essay": _("问答题（essay）"),
        "numerical": _("数值题（numerical）"),
        "match": _("配对题（matching）"),
        "shortanswer": _("填空题（short answer，学员输入答案）"),
    }


def _percent(value: float) -> str:
    return f"{value:g}%"


def parse_gift(
    text: str, report: QuestionImportReport, *, skip_unsupported: bool = False
) -> Table:
    table = Table(headers=["编号", "题型", "题干", "答案", "解析", "标签"])
    refusals = _Refusals(report=report, column="GIFT", skip=skip_unsupported)
    codes = _Codes("GIFT")
    unsupported = _gift_unsupported()
    category = ""
    for line, block in _blocks(text, comment="//"):
        body = _gift_protect("\n".join(block)).strip()
        if body.startswith("$CATEGORY:"):
            first, _sep, rest = body.partition("\n")
            category = first.removeprefix("$CATEGORY:").strip().split("/")[-1]
            body = rest.strip()
            if not body:
                continue
        name = ""
        if body.startswith("::") and "::" in body[2:]:
            name, _sep, body = body[2:].partition("::")
            name, body = _gift_text(name, default_format="plain")[0], body.strip()
        start, end = body.find("{"), body.find("}")
        if start < 0 and end < 0:
            stem, _format = _gift_text(body)
            codes.next(name=name, stem=stem)
            refusals.refuse(
                line,
                _("不支持的 GIFT 题型：%(type)s。只能导入单选、多选和判断题：%(q)s")
                % {"type": unsupported["description"], "q": stem[:30]},
            )
            continue
        if body.count("{") != 1 or body.count("}") != 1 or start > end:
            report.add(line, "GIFT", _("找不到成对的答案花括号 { }。"))
            continue
        answers, after = body[start + 1 : end], body[end + 1 :]
        # As in Moodle: answers in the middle of the text stand for a blank to fill.
        stem, text_format = _gift_text(
            f"{body[:start]}_____{after}" if after.strip() else body[:start]
        )
        code = codes.next(name=name, stem=stem)
        general = ""
        if "####" in answers:
            answers, _sep, general = answers.rpartition("####")
        answers = answers.strip()
        values = {
            "编号": code,
            "题干": stem,
            "标签": category,
            "解析": _gift_text(general, default_format=text_format)[0],
        }
        question_type = _gift_type(answers)
        if question_type in unsupported:
            refusals.refuse(
                line,
                _("不支持的 GIFT 题型：%(type)s。只能导入单选、多选和判断题：%(q)s")
                % {"type": unsupported[question_type], "q": stem[:30]},
            )
            continue
        if question_type == "truefalse":
            answer, _sep, comments = answers.partition("#")
            truth = GIFT_TRUE_FALSE[answer.strip()]
            # Moodle: {T#wrong#right} — the first feedback is for a wrong answer.
            wrong, _sep, right = (
                _gift_text(c, default_format=text_format)[0]
                for c in comments.partition("#")
            )
            values |= {
                "题型": "判断",
                "答案": "对" if truth else "错",
                "反馈A": right if truth else wrong,
                "反馈B": wrong if truth else right,
            }
            table.rows.append(Row(number=line, values=values))
            continue
        choices = _gift_choices(answers, text_format=text_format)
        reason = _gift_choice_problem(choices, single="=" in answers)
        if reason == "no_key":
            report.add(
                line,
                "GIFT",
                _("没有标出正确答案（以 = 开头的选项，或正权重的选项）：%(q)s")
                % {"q": stem[:30]},
            )
            continue
        if reason:
            refusals.refuse(line, f"{reason}：{stem[:30]}")
            continue
        correct = [OPTION_KEYS[i] for i, (w, _t, _f) in enumerate(choices) if w > 0]
        for i, (_weight, option, feedback) in enumerate(choices):
            values[OPTION_COLUMNS[i]], values[FEEDBACK_COLUMNS[i]] = option, feedback
        values["题型"] = "多选" if len(correct) > 1 else "单选"
        values["答案"] = "".join(correct)
        table.rows.append(Row(number=line, values=values))
    refusals.hint()
    return table


def _gift_choices(answers: str, *, text_format: str) -> list[tuple[float, str, str]]:
    """(weight in %, text, feedback) of each choice. `=` is 100% and `~` 0% unless a
    `%w%` weight says otherwise."""
    choices = []
    for mark, raw in re.findall(r"([=~])([^=~]*)", answers):
        weight = GIFT_WEIGHT.match(raw)
        if weight:
            percent, raw = float(weight.group(1)), raw[weight.end() :]
        else:
            percent = 100.0 if mark == "=" else 0.0
        option, _sep, feedback = raw.partition("#")
        choices.append(
            (
                percent,
                _gift_text(option, default_format=text_format)[0],
                _gift_text(feedback, default_format=text_format)[0],
            )
        )
    return choices


def _gift_choice_problem(choices, *, single: bool) -> str:
    """Why these choices cannot become a question scored all-or-nothing, or "".

    A question with an `=` choice is single-answer in Moodle: it fits only with one
    choice worth 100%. Without one it is multi-answer: it fits when the positive weights
    add up to 100%, and then those choices are the correct set.
    """
    positive = [w for w, _t, _f in choices if w > 0]
    if not positive:
        return "no_key"
    if len(choices) > len(OPTION_KEYS):
        return _("选项超过 6 个（本题 %(n)s 个）") % {"n": len(choices)}
    weights = "、".join(_percent(w) for w in positive)
    if single and (len(positive) != 1 or abs(positive[0] - 100) > WEIGHT_TOLERANCE):
        return _(
            "部分得分无法表示：本题只能选一项（有 = 选项），得分的选项为 %(w)s，"
            "只能有一个 100%% 的选项"
        ) % {"w": weights}
    if not single and abs(sum(positive) - 100) > WEIGHT_TOLERANCE:
        return _(
            "部分得分无法表示：正权重 %(w)s 合计 %(sum)s，应合计 100%%"
            "（权重为正的选项全部选对才算答对）"
        ) % {"w": weights, "sum": _percent(sum(positive))}
    return ""


AIKEN_OPTION = re.compile(r"^([A-Fa-f])[.)．、）]\s*(.+)$")
AIKEN_ANSWER = re.compile(r"^ANSWER\s*[:：]\s*(.*)$", re.I)


@dataclass
class _AikenQuestion:
    line: int
    stem: list[str]
    options: list[str] = field(default_factory=list)


def parse_aiken(
    text: str, report: QuestionImportReport, *, skip_unsupported: bool = False
) -> Table:
    """Line by line, as Moodle reads Aiken: a question is its text, options `A)` or
    `A.` and an `ANSWER:` line that ends it; blank lines between questions are optional.
    Two additions for text pasted from documents: a question's text may run over several
    lines, and a line right under an option (no blank line between) continues it."""
    table = Table(headers=["编号", "题型", "题干", "答案"])
    refusals = _Refusals(report=report, column="Aiken", skip=skip_unsupported)
    codes = _Codes("AIKEN")
    current: _AikenQuestion | None = None
    after_blank = False

    def missing_answer(question: _AikenQuestion) -> None:
        report.add(question.line, "Aiken", _("缺少 ANSWER: 行。"))

    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            after_blank = True
            continue
        answer, option = AIKEN_ANSWER.match(line), AIKEN_OPTION.match(line)
        if answer and current is None:
            report.add(number, "Aiken", _("ANSWER: 行之前没有题干。"))
        elif answer:
            stem = "\n".join(current.stem)
            values = {
                "编号": codes.next(name="", stem=stem),
                "题型": "单选",
                "题干": stem,
                "答案": answer.group(1).strip(),
            }
            if len(current.options) > len(OPTION_KEYS):
                refusals.refuse(
                    current.line,
                    _("选项超过 6 个（本题 %(n)s 个）") % {"n": len(current.options)},
                )
            else:
                values |= dict(zip(OPTION_COLUMNS, current.options, strict=False))
                table.rows.append(Row(number=current.line, values=values))
            current = None
        elif option and current is None:
            report.add(
                number, "Aiken", _("选项之前没有题干：%(line)s") % {"line": line[:30]}
            )
        elif option:
            current.options.append(option.group(2).strip())
        elif current is not None and current.options and not after_blank:
            current.options[-1] += line
        elif current is not None and not current.options:
            current.stem.append(line)
        else:
            if current is not None:
                missing_answer(current)
            current = _AikenQuestion(line=number, stem=[line])
        after_blank = False
    if current is not None:
        missing_answer(current)
    refusals.hint()
    return table


FORMATS = ("xlsx", "csv", "gift", "aiken")


def guess_format(filename: str) -> str | None:
    suffix = PurePath(filename).suffix.lower().lstrip(".")
    return {"xlsx": "xlsx", "csv": "csv", "gift": "gift", "txt": "aiken"}.get(suffix)


def questions_import(
    *,
    data: bytes,
    filename: str,
    file_format: str | None = None,
    dry_run: bool,
    skip_unsupported: bool = False,
) -> ImportReport:
    """Import questions from any supported format; all rows or nothing.

    With `skip_unsupported`, GIFT and Aiken questions the bank cannot represent (types
    other than single, multiple and true/false; partial credit) are left out and listed
    in `report.skipped` instead of refusing the file; every other error still does.
    """
    file_format = file_format or guess_format(filename)
    importer = QuestionImporter()
    if file_format in ("xlsx", "csv"):
        return import_file(
            importer,
            data=data,
            filename=f"{PurePath(filename).stem}.{file_format}",
            dry_run=dry_run,
        )
    report = QuestionImportReport()
    if file_format not in FORMATS:
        report.add(
            0,
            "",
            _("无法识别文件格式：请用 xlsx、csv、GIFT（.gift）或 Aiken（.txt）。"),
        )
        return report
    try:
        text = decode_text(data)
    except TableError:
        report.add(0, "", _("无法识别文件编码：请另存为 UTF-8 或 GBK。"))
        return report
    parse = parse_gift if file_format == "gift" else parse_aiken
    table = parse(text, report, skip_unsupported=skip_unsupported)
    if not table.rows and report.ok and not report.skipped:
        report.add(0, "", _("文件中没有题目。"))
    return import_table(importer, table=table, report=report, dry_run=dry_run)
