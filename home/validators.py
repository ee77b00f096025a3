"""Text that people type or import must not carry invisible control characters.

They are never typed on purpose: they come from pasted PDFs, broken copy-paste or
hostile input, and they break what reads the text later — PostgreSQL refuses NUL,
Excel files cannot hold most of the C0 range (an export of such a name failed), and
nobody can see them on a page to correct them. Free text (a story, an answer) keeps
tab and line breaks; a name, a code or a title is a single line.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# C0 controls, DEL and the C1 range; tab, line feed and carriage return are left to
# the free-text pattern.
_SINGLE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_FREE_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def control_character(text: str, *, free_text: bool) -> str | None:
    """The first refused character of `text`, or None."""
    found = (_FREE_TEXT if free_text else _SINGLE_LINE).search(text or "")
    return found.group() if found else None


def describe(char: str) -> str:
    """How a message names an invisible character: U+0001."""
    return f"U+{ord(char):04X}"


def _validate(value, *, free_text: bool) -> None:
    char = control_character(str(value), free_text=free_text)
    if char is None:
        return
    if free_text:
        message = _(
            "含有不可见的控制字符（%(char)s），请删除后再提交；只可使用换行和制表符。"
        )
    else:
        message = _("含有不可见的控制字符（%(char)s），请删除后再提交；此项不能换行。")
    raise ValidationError(
        message, code="control_characters", params={"char": describe(char)}
    )


def validate_single_line(value) -> None:
    _validate(value, free_text=False)


def validate_free_text(value) -> None:
    _validate(value, free_text=True)
