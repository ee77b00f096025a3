"""The question bank's answer-position report: on which letter the keys sit.

A bank whose keys cluster on one letter lets a learner pass by guessing that letter; the
report shows the share per letter and flags any over 40% so editors reorder options.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from units.permissions import can_see_answer_keys

from . import selectors


def answer_positions(request):
    # The report is a map of the answer key: only for those who may see keys.
    if not can_see_answer_keys(request.user):
        raise PermissionDenied
    rows = selectors.answer_position_shares()
    return TemplateResponse(
        request,
        "quizzes/admin/answer_positions.html",
        {
            "page_title": _("答案位置分布"),
            "header_title": _("答案位置分布"),
            "header_icon": "table",
            "rows": rows,
            "total": sum(r["count"] for r in rows),
            "limit": selectors.POSITION_SHARE_LIMIT,
            "flagged": [r for r in rows if r["flagged"]],
        },
    )
