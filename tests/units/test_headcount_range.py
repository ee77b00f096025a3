"""A unit's headcount lies in 0..10,000,000: a typo such as 1e30 is a row error at the
check, never an overflow when the import is confirmed."""

import pytest

from tabular.importing import import_file
from units.forms import UnitForm
from units.imports import UnitImporter
from units.models import Unit, UnitKind

pytestmark = pytest.mark.django_db

HEADER = "code,name,kind,parent_code,headcount\n"


def run_units(text, *, dry_run=False):
    return import_file(
        UnitImporter(), data=text.encode(), filename="units.csv", dry_run=dry_run
    )


def test_a_headcount_of_1e30_is_a_row_error_and_nothing_is_written():
    report = run_units(HEADER + "YK,永康市,其他,,0\nA,甲,机关,YK,1e30\n")
    assert [str(e) for e in report.errors] == [
        "第 3 行（headcount）：人数“1e30”超出范围：应在 0 到 10,000,000 之间。"
    ]
    assert not report.applied
    assert Unit.objects.count() == 0


def test_a_headcount_of_1e30_is_already_refused_by_the_check():
    report = run_units(HEADER + "A,甲,机关,,1e30\n", dry_run=True)
    assert [e.column for e in report.errors] == ["headcount"]


def test_ten_million_is_the_largest_headcount_accepted():
    report = run_units(HEADER + "A,甲,机关,,10000000\nB,乙,机关,,10000001\n")
    assert [str(e) for e in report.errors] == [
        "第 3 行（headcount）：人数“10000001”超出范围：应在 0 到 10,000,000 之间。"
    ]
    report = run_units(HEADER + "A,甲,机关,,1e7\n")
    assert report.applied
    assert Unit.objects.get(code="A").headcount == 10_000_000


@pytest.mark.parametrize("text", ["inf", "nan", "-0.5", "1e-3"])
def test_non_integral_or_infinite_headcounts_are_row_errors(text):
    report = run_units(HEADER + f"A,甲,机关,,{text}\n")
    assert [e.column for e in report.errors] == ["headcount"]
    assert Unit.objects.count() == 0


def test_the_unit_form_refuses_a_headcount_above_ten_million():
    form = UnitForm(
        data={
            "code": "A",
            "name": "甲",
            "kind": UnitKind.objects.get(name="机关").pk,
            "headcount": "10000001",
            "parent": "",
        }
    )
    assert not form.is_valid()
    assert list(form.errors) == ["headcount"]
