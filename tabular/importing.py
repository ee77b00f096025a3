"""The all-or-nothing import loop shared by every importer.

An importer validates every row first and reports each bad one; only a file with no bad
row is applied, inside one transaction, so a failure half-way leaves nothing behind.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from typing import Protocol

from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.utils.translation import gettext as _

from home.validators import control_character, describe

from .reading import Row, Table, TableError, read_table
from .report import ImportReport
from .streaming import RowStream

logger = logging.getLogger(__name__)


class Importer(Protocol):
    required: tuple[str, ...]
    aliases: dict[str, str]

    def validate(self, table: Table, report: ImportReport) -> object:
        """Check every row, adding errors to `report`; return a plan for `apply`."""

    def apply(self, plan: object, report: ImportReport) -> None:
        """Write the plan. Runs inside a transaction; raise to roll back."""


def too_long(
    report: ImportReport, row: int, column: str, text: str, limit: int
) -> bool:
    """Report `text` on `row` when it is longer than its database column holds.

    Checked while validating, so the row is named: PostgreSQL would refuse the value
    only while writing, with an error that names no row, and SQLite would store it."""
    if len(text) <= limit:
        return False
    report.add(
        row,
        column,
        _("内容过长：最多 %(max)s 个字符，这里有 %(length)s 个。")
        % {"max": limit, "length": len(text)},
    )
    return True


def import_file(
    importer: Importer, *, data: bytes, filename: str, dry_run: bool
) -> ImportReport:
    report = ImportReport()
    try:
        table = read_table(
            data, filename, required=importer.required, aliases=importer.aliases
        )
    except TableError as exc:
        report.add(0, "", str(exc))
        return report
    if not table.rows:
        report.add(0, "", _("文件中没有数据行。"))
        return report
    return import_table(importer, table=table, report=report, dry_run=dry_run)


def _refuse_control_characters(
    rows: Iterable[Row], report: ImportReport
) -> Iterator[Row]:
    """Each row as it passes, with an error for each cell holding a control character
    (home.validators; tab and line breaks are kept: a cell may be free text). Such
    characters break exports and PostgreSQL, and nobody can see them to fix them."""
    for row in rows:
        for column, text in row.values.items():
            char = control_character(text, free_text=True)
            if char is not None:
                report.add(
                    row.number,
                    column,
                    _("含有不可见的控制字符（%(char)s），请删除后重新导入。")
                    % {"char": describe(char)},
                )
        yield row


def import_table(
    importer: Importer, *, table: Table, report: ImportReport, dry_run: bool
) -> ImportReport:
    """Validate every row of a table already read (a spreadsheet, or a GIFT/Aiken file
    turned into rows) and, only when all are good and this is no dry run, apply it in
    one transaction."""
    name = type(importer).__name__
    if isinstance(table.rows, RowStream):
        # Read once, as the importer reads it.
        table.rows = RowStream(_refuse_control_characters(table.rows, report))
    else:
        for _row in _refuse_control_characters(table.rows, report):
            pass
    plan = importer.validate(table, report)
    if not report.ok or dry_run:
        logger.info(
            "import checked: importer=%s rows=%d errors=%d dry_run=%s",
            name,
            len(table.rows),
            len(report.errors),
            dry_run,
        )
        return report
    try:
        with transaction.atomic():
            importer.apply(plan, report)
            if not report.ok:
                # An error found while writing (e.g. a concurrent change): undo everything.
                transaction.set_rollback(True)
                logger.warning(
                    "import rolled back: importer=%s rows=%d errors=%d",
                    name,
                    len(table.rows),
                    len(report.errors),
                )
                return report
    except ValidationError as exc:
        report.add(
            0,
            "",
            _("导入失败，未写入任何数据：%(error)s")
            % {"error": "；".join(exc.messages)},
        )
        logger.warning("import refused: importer=%s reason=%s", name, exc.messages)
        return report
    except DatabaseError:
        # The database's own text names tables and constraints: it goes to the log,
        # the person gets a plain sentence.
        logger.exception("import failed: importer=%s rows=%d", name, len(table.rows))
        report.add(
            0, "", _("导入失败，未写入任何数据：数据库出错，请稍后重试或联系管理员。")
        )
        return report
    report.applied = True
    logger.info("import applied: importer=%s rows=%d", name, len(table.rows))
    return report
