"""The shared import loop: failures while writing roll back, are logged, and never show
the database's own error text."""

import logging

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from tabular.importing import import_table
from tabular.reading import Row, Table
from tabular.report import ImportReport
from units.models import UnitKind


class _Importer:
    required = ("name",)
    aliases = {}

    def __init__(self, fail):
        self.fail = fail

    def validate(self, table, report):
        return [row.get("name") for row in table.rows]

    def apply(self, plan, report):
        for name in plan:
            UnitKind.objects.create(name=name)
        raise self.fail


def _table(*names):
    return Table(
        headers=["name"],
        rows=[Row(number=i + 2, values={"name": n}) for i, n in enumerate(names)],
    )


@pytest.mark.django_db
def test_database_error_while_writing_rolls_back_and_shows_no_sql(caplog):
    before = UnitKind.objects.count()
    failure = IntegrityError('duplicate key value violates unique constraint "x_pkey"')
    with caplog.at_level(logging.ERROR, logger="tabular.importing"):
        report = import_table(
            _Importer(failure),
            table=_table("新类型甲", "新类型乙"),
            report=ImportReport(),
            dry_run=False,
        )
    assert not report.applied
    assert UnitKind.objects.count() == before
    message = str(report.errors[0])
    assert "数据库出错" in message
    assert "constraint" not in message and "pkey" not in message
    assert "import failed: importer=_Importer rows=2" in caplog.text


@pytest.mark.django_db
def test_validation_error_while_writing_shows_its_own_message():
    report = import_table(
        _Importer(ValidationError("测评活动已结束。")),
        table=_table("新类型丙"),
        report=ImportReport(),
        dry_run=False,
    )
    assert not report.applied
    assert "测评活动已结束。" in str(report.errors[0])
    assert "['" not in str(report.errors[0])
    assert not UnitKind.objects.filter(name="新类型丙").exists()
