"""Importing questions: the xlsx/csv template, Moodle GIFT and Aiken.

Every format becomes rows of the template's columns, then one validator checks them all
and the import is all-or-nothing (tabular.importing). GIFT and Aiken rows are numbered by
the line on which the question starts, so errors point into the file.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.utils.html import escape
from django.utils.translation import gettext as _

from tabular.importing import import_file, import_table
from tabular.reading import Row, Table, TableError, decode_text
from tabular.report import ImportReport

from .models import Difficulty, Option, Question, QuestionKind, QuestionStatus
from .models.questions import OPTION_KEYS, question_code_validator

OPTION_COLUMNS = tuple(f"选项{k}" for k in OPTION_KEYS)
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
TAG_SEPARATORS = re.compile(r"[\s,，、;；]+")
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
            texts, feedbacks = list(TRUE_FALSE_OPTIONS), ["", ""]
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
        if len(report.errors) > errors_before:
            return None
        rule_name, rule_article = split_rule(row.get("依据"))
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
            tags=[t for t in TAG_SEPARATORS.split(row.get("标签")) if t],
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
                Option(text=t, is_correct=c, feedback=f, sort_order=i)
                for i, (t, c, f) in enumerate(r.options)
            ]
            question.tags.set(r.tags)
            question.save()


# --- GIFT and Aiken --------------------------------------------------------------------


@dataclass
class _Parsed:
    line: int
    values: dict[str, str] = field(default_factory=dict)


def _hash_code(prefix: str, stem: str) -> str:
    # A stable code from the question text, so importing the same file twice updates.
    return f"{prefix}-{hashlib.sha1(stem.encode()).hexdigest()[:10].upper()}"  # noqa: S324


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


def _gift_protect(text: str) -> str:
    for k, v in GIFT_ESCAPES.items():
        text = text.replace(k, v)
    return text


def _gift_clean(text: str) -> str:
    for k, v in GIFT_UNESCAPE.items():
        text = text.replace(k, v)
    text = re.sub(r"^\[(html|moodle|plain|markdown)\]", "", text.strip())
    return text.strip()


def parse_gift(text: str, report: ImportReport) -> Table:
    table = Table(headers=["编号", "题型", "题干", "答案", "解析", "标签"])
    category = ""
    for line, block in _blocks(text, comment="//"):
        body = _gift_protect("\n".join(block))
        if body.startswith("$CATEGORY:"):
            first, _sep, rest = body.partition("\n")
            category = first.removeprefix("$CATEGORY:").strip().split("/")[-1]
            body = rest.strip()
            if not body:
                continue
        title = ""
        match = re.match(r"^::(.*?)::(.*)$", body, re.S)
        if match:
            title, body = match.group(1).strip(), match.group(2)
        if (
            body.count("{") != 1
            or body.count("}") != 1
            or body.index("{") > body.index("}")
        ):
            report.add(line, "GIFT", _("找不到成对的答案花括号 { }。"))
            continue
        before, _sep, rest = body.partition("{")
        answers, _sep, after = rest.partition("}")
        stem = _gift_clean(f"{before} {after}".strip())
        values = {"题干": stem, "标签": category}
        answers, _sep, general = answers.partition("####")
        values["解析"] = _gift_clean(general)
        answers = answers.strip()
        tf = re.fullmatch(r"(TRUE|FALSE|T|F)\s*(#.*)?", answers, re.S | re.I)
        if tf:
            truth = tf.group(1).upper().startswith("T")
            values |= {"题型": "判断", "答案": "对" if truth else "错"}
            feedback = _gift_clean((tf.group(2) or "").lstrip("#"))
            values["反馈B" if truth else "反馈A"] = feedback
        elif "->" in answers or answers.startswith("#") or not answers:
            report.add(
                line,
                "GIFT",
                _("不支持的 GIFT 题型（只支持单选、多选和判断题）：%(q)s")
                % {"q": stem[:30]},
            )
            continue
        else:
            parts = re.findall(r"([=~])([^=~]*)", answers)
            if not parts or "=" not in answers and "%" not in answers:
                report.add(
                    line,
                    "GIFT",
                    _("没有标出正确答案（以 = 开头的选项）：%(q)s") % {"q": stem[:30]},
                )
                continue
            if len(parts) > len(OPTION_KEYS):
                report.add(line, "GIFT", _("选项超过 6 个：%(q)s") % {"q": stem[:30]})
                continue
            correct, multiple = [], False
            for i, (mark, raw) in enumerate(parts):
                weight = re.match(r"^\s*%(-?\d+(?:\.\d+)?)%", raw)
                if weight:
                    raw = raw[weight.end() :]
                    multiple = True
                    is_correct = float(weight.group(1)) > 0
                else:
                    is_correct = mark == "="
                option, _sep, feedback = raw.partition("#")
                values[OPTION_COLUMNS[i]] = _gift_clean(option)
                values[FEEDBACK_COLUMNS[i]] = _gift_clean(feedback)
                if is_correct:
                    correct.append(OPTION_KEYS[i])
            values["题型"] = "多选" if multiple or len(correct) > 1 else "单选"
            values["答案"] = "".join(correct)
        values["编号"] = title if _valid_code(title) else _hash_code("GIFT", stem)
        table.rows.append(Row(number=line, values=values))
    return table


def _valid_code(text: str) -> bool:
    try:
        question_code_validator(text)
    except ValidationError:
        return False
    return True


def parse_aiken(text: str, report: ImportReport) -> Table:
    table = Table(headers=["编号", "题型", "题干", "答案"])
    option_line = re.compile(r"^([A-Fa-f])[.)．、]\s*(.+)$")
    for line, block in _blocks(text):
        stem_lines, options, answer = [], [], None
        for raw in block:
            stripped = raw.strip()
            upper = stripped.upper()
            if upper.startswith("ANSWER:") or upper.startswith("ANSWER："):
                answer = stripped.split(":", 1)[-1].split("：", 1)[-1].strip()
                continue
            match = option_line.match(stripped)
            if match and (options or stem_lines):
                options.append(match.group(2).strip())
            elif options:
                options[-1] += stripped
            else:
                stem_lines.append(stripped)
        if answer is None:
            report.add(line, "Aiken", _("缺少 ANSWER: 行。"))
            continue
        values = {
            "编号": _hash_code("AIKEN", "\n".join(stem_lines)),
            "题型": "单选",
            "题干": "\n".join(stem_lines),
            "答案": answer,
        }
        for i, option in enumerate(options[: len(OPTION_KEYS)]):
            values[OPTION_COLUMNS[i]] = option
        if len(options) > len(OPTION_KEYS):
            report.add(line, "Aiken", _("选项超过 6 个。"))
            continue
        table.rows.append(Row(number=line, values=values))
    return table


FORMATS = ("xlsx", "csv", "gift", "aiken")


def guess_format(filename: str) -> str | None:
    suffix = PurePath(filename).suffix.lower().lstrip(".")
    return {"xlsx": "xlsx", "csv": "csv", "gift": "gift", "txt": "aiken"}.get(suffix)


def questions_import(
    *, data: bytes, filename: str, file_format: str | None = None, dry_run: bool
) -> ImportReport:
    """Import questions from any supported format; all rows or nothing."""
    file_format = file_format or guess_format(filename)
    importer = QuestionImporter()
    if file_format in ("xlsx", "csv"):
        return import_file(
            importer,
            data=data,
            filename=f"{PurePath(filename).stem}.{file_format}",
            dry_run=dry_run,
        )
    report = ImportReport()
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
    table = parse(text, report)
    if not table.rows and report.ok:
        report.add(0, "", _("文件中没有题目。"))
    return import_table(importer, table=table, report=report, dry_run=dry_run)
