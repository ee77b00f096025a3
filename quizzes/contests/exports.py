"""The results of one contest as an xlsx workbook: players, questions, units.

Written through tabular.exporting, so a player's typed name that begins with "=" stays
text in Excel. Numbers stay numbers (points, counts, shares as fractions).
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from tabular.exporting import rows_to_xlsx

from . import selectors
from .models import Contest


def results_xlsx(*, contest: Contest, answer_keys: bool) -> bytes:
    """Three sheets. `answer_keys` adds each question's key: left out for readers who
    may not hold the bank's keys (unit managers), as in the quiz reports."""
    players = [
        [
            p["rank"],
            p["name"],
            _("是") if p["logged_in"] else _("否"),
            p["unit_code"],
            p["unit"],
            p["points"],
            p["correct"],
            p["answered"],
            p["fast"],
        ]
        for p in selectors.results_players(contest=contest)
    ]
    questions = [
        [
            q["number"],
            q["code"],
            q["stem"],
            *([q["correct_keys"]] if answer_keys else []),
            _("是") if q["skipped"] else _("否"),
            q["answered"],
            q["correct"],
            q["correct_rate"],
        ]
        for q in selectors.results_questions(contest=contest)
    ]
    units = [
        [
            rank,
            u["unit_code"],
            u["unit_name"],
            u["players"],
            u["total"],
            u["average"],
        ]
        for rank, u in enumerate(selectors.unit_ranking(contest=contest), start=1)
    ]
    return rows_to_xlsx(
        [
            (
                _("选手"),
                [
                    _("名次"),
                    _("姓名"),
                    _("登录"),
                    _("单元编码"),
                    _("单元"),
                    _("得分"),
                    _("答对题数"),
                    _("作答题数"),
                    _("过快作答"),
                ],
                players,
            ),
            (
                _("题目"),
                [
                    _("题序"),
                    _("编号"),
                    _("题干"),
                    *([_("答案")] if answer_keys else []),
                    _("已跳过"),
                    _("作答人数"),
                    _("答对人数"),
                    _("正确率"),
                ],
                questions,
            ),
            (
                _("单元"),
                [
                    _("名次"),
                    _("单元编码"),
                    _("单元"),
                    _("参赛人数"),
                    _("总分"),
                    _("人均得分"),
                ],
                units,
            ),
        ]
    )
