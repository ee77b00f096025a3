"""Scorecard exports: JSON (the report shape of METRICS.md), csv and xlsx.

Cells go through tabular.exporting, which neutralises text that Excel could run as a
formula; unit and question texts are typed by users, so this matters.
"""

from __future__ import annotations

import json

from django.core.serializers.json import DjangoJSONEncoder

from tabular.exporting import rows_to_csv, rows_to_xlsx

from .models import Campaign
from .scoring import MIN_RESPONDENTS_FOR_DETAIL
from .selectors import (
    ITEM_FIELDS,
    KIND_FIELDS,
    UNIT_FIELDS,
    distributions,
    scorecard_for,
)


def report_json(report: dict) -> bytes:
    return json.dumps(
        report, ensure_ascii=False, indent=2, cls=DjangoJSONEncoder
    ).encode()


def _cells(row: dict, names: list[str]) -> list:
    # A cell holds one value: the flags list becomes "burst|one_network", like the
    # several options of an answer in the imports.
    return ["|".join(v) if isinstance(v := row.get(n), list) else v for n in names]


def report_csv(report: dict, *, by: str = "unit") -> bytes:
    names = KIND_FIELDS if by == "kind" else UNIT_FIELDS
    rows = report["kinds"] if by == "kind" else report["units"]
    return rows_to_csv(names, (_cells(row, names) for row in rows))


def report_xlsx(report: dict, *, questions: list[dict]) -> bytes:
    campaign = report["campaign"]
    summary = [[key, value] for key, value in campaign.items()]
    if report["units"]:
        root = report["units"][0]
        summary += [
            [f"{root['unit_code']}.{n}", value]
            for n, value in zip(
                UNIT_FIELDS[4:], _cells(root, UNIT_FIELDS[4:]), strict=True
            )
        ]
    question_rows = []
    for q in questions:
        head = [q["code"], q["kind"], q["text"], q["answered"]]
        if not q["options"]:
            question_rows.append(head + [None] * 5)
        question_rows += [
            head + [o["code"], o["label"], o["is_correct"], o["count"], o["share"]]
            for o in q["options"]
        ]
    return rows_to_xlsx(
        [
            ("summary", ["field", "value"], summary),
            (
                "units",
                UNIT_FIELDS,
                [_cells(r, UNIT_FIELDS) for r in report["units"]],
            ),
            (
                "kinds",
                KIND_FIELDS,
                [_cells(r, KIND_FIELDS) for r in report["kinds"]],
            ),
            (
                "items",
                ITEM_FIELDS,
                [[r.get(n) for n in ITEM_FIELDS] for r in report["items"]],
            ),
            (
                "questions",
                [
                    "question_code",
                    "kind",
                    "text",
                    "answered",
                    "option_code",
                    "option_label",
                    "is_correct",
                    "count",
                    "share",
                ],
                question_rows,
            ),
        ]
    )


def campaign_export(
    *,
    campaign: Campaign,
    file_format: str,
    by: str = "unit",
    scope_paths=None,
    with_questions: bool = True,
) -> bytes:
    """The scorecard as json, csv or xlsx. `with_questions=False` (a unit manager's
    download) leaves out the per-question sheet when the scope has fewer than
    MIN_RESPONDENTS_FOR_DETAIL respondents, as the scorecard page and the API do."""
    report = scorecard_for(campaign=campaign, scope_paths=scope_paths)
    if file_format == "json":
        return report_json(report)
    if file_format == "csv":
        return report_csv(report, by=by)
    root = None
    if scope_paths:
        from units.models import Unit

        root = Unit.objects.filter(path=scope_paths[0]).first()
    scope_respondents = report["units"][0]["respondents"] if report["units"] else 0
    if not with_questions and scope_respondents < MIN_RESPONDENTS_FOR_DETAIL:
        return report_xlsx(report, questions=[])
    # Per-question counts are exported without free text (privacy: METRICS.md).
    questions = distributions(campaign=campaign, root=root, with_text=False)
    return report_xlsx(report, questions=questions)
