"""Scorecard exports: JSON (the report shape of docs/metrics.md), csv and xlsx.

Cells go through tabular.exporting, which neutralises text that Excel could run as a
formula; unit and question texts are typed by users, so this matters.
"""

from __future__ import annotations

import json

from django.core.serializers.json import DjangoJSONEncoder

from tabular.exporting import rows_to_csv, rows_to_xlsx
from units.models import Unit
from units.permissions import Scope

from .models import Campaign
from .selectors import (
    ITEM_FIELDS,
    KIND_FIELDS,
    UNIT_FIELDS,
    distributions,
    scorecard_read,
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


def report_xlsx(
    report: dict, *, questions: list[dict], answer_keys: bool = True
) -> bytes:
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
    option_fields = ["code", "label", "is_correct", "count", "share"]
    if not answer_keys:
        option_fields.remove("is_correct")
    question_rows = []
    for q in questions:
        head = [q["code"], q["kind"], q["text"], q["answered"]]
        if not q["options"]:
            question_rows.append(head + [None] * len(option_fields))
        question_rows += [head + [o[n] for n in option_fields] for o in q["options"]]
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
                ["question_code", "kind", "text", "answered"]
                + [
                    f"option_{n}" if n in ("code", "label") else n
                    for n in option_fields
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
    scope: Scope | None = None,
    answer_keys: bool = True,
) -> bytes:
    """The scorecard as json, csv or xlsx, over `scope` (None: every unit).

    Rows and `items` come from the scorecard as that scope reads it. The xlsx file's
    per-question sheet covers the scope's top subtree, only when the small-cell rule
    shows it, and never with free text; `answer_keys=False` (a unit manager's download)
    leaves out the `is_correct` column.
    """
    scope = scope or Scope.everything()
    report, detail = scorecard_read(campaign=campaign, scope=scope)
    if file_format == "json":
        return report_json(report)
    if file_format == "csv":
        return report_csv(report, by=by)
    top = report["units"][0]["unit_code"] if report["units"] else None
    questions = []
    if top is not None and detail.shows(top):
        questions = distributions(
            campaign=campaign,
            root=Unit.objects.get(code=top),
            with_text=False,
            answer_keys=answer_keys,
        )
    return report_xlsx(report, questions=questions, answer_keys=answer_keys)
