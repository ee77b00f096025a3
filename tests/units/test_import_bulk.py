"""Unit imports lay out the tree in bulk: the paths, depths and child counts they write
are the ones treebeard's own add_child and move would give, fix_tree finds nothing to
fix, and the number of statements does not grow with the number of rows."""

import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tabular.importing import import_file
from tests.factories import kind
from units.imports import UnitImporter
from units.models import Unit
from units.services import unit_create, unit_update

pytestmark = pytest.mark.django_db

HEADER = "code,name,kind,parent_code,headcount\n"
# Codes whose order differs between case-sensitive, case-blind and punctuation-blind
# comparisons: siblings must be sorted exactly as the database sorts them.
TRICKY = ["B-2", "B.1", "B_3", "B10", "B9", "Ba", "bA", "B-10", "B0"]


def run_units(lines):
    report = import_file(
        UnitImporter(),
        data=(HEADER + "".join(f"{line}\n" for line in lines)).encode(),
        filename="units.csv",
        dry_run=False,
    )
    assert report.errors == []
    assert report.applied
    return report


def tree():
    return {
        u.code: (u.path, u.depth, u.numchild) for u in Unit.objects.order_by("path")
    }


def assert_consistent():
    assert Unit.find_problems() == ([], [], [], [], [])
    before = tree()
    Unit.fix_tree(fix_paths=True)
    assert tree() == before


def roster(seed=7):
    """A city, 6 towns, each with villages of tricky codes, listed children first."""
    rows = [("C", "市", "其他", "", 0)]
    for t in range(6):
        rows.append((f"T{t}", f"镇{t}", "其他", "C", 0))
        for code in TRICKY:
            rows.append((f"T{t}{code}", f"村{code}", "村居", f"T{t}", 10))
    rows.reverse()
    random.Random(seed).shuffle(rows[:-1])
    return rows


def as_lines(rows):
    return [",".join(str(v) for v in row) for row in rows]


def treebeard_layout(rows, *, keep=False):
    """The tree treebeard itself builds from the same rows, one add_child at a time
    (then emptied again unless `keep`)."""
    by_code = {}
    pending = list(rows)
    while pending:
        for row in list(pending):
            code, name, kind_name, parent, headcount = row
            if parent and parent not in by_code:
                continue
            parent_unit = Unit.objects.get(pk=by_code[parent]) if parent else None
            unit = unit_create(
                code=code,
                name=name,
                kind=kind(kind_name),
                headcount=headcount,
                parent=parent_unit,
            )
            by_code[code] = unit.pk
            pending.remove(row)
    layout = tree()
    if not keep:
        Unit.objects.all().delete()
    return layout


def test_a_fresh_import_lays_out_the_tree_as_treebeard_does():
    rows = roster()
    expected = treebeard_layout(rows)
    run_units(as_lines(rows))
    assert tree() == expected
    assert_consistent()


def test_new_units_among_existing_siblings_shift_them_as_treebeard_does():
    rows = roster()
    # Every other village first (with the city and the towns), the rest in a second
    # file, so new villages land between existing ones.
    first = [r for n, r in enumerate(rows) if r[2] != "村居" or n % 2]
    later = [r for r in rows if r not in first]
    expected = treebeard_layout(first + later)
    run_units(as_lines(first))
    run_units(as_lines(later))
    assert tree() == expected
    assert_consistent()


def test_moving_a_subtree_matches_treebeards_move_after_fix_tree():
    rows = roster()
    treebeard_layout(rows, keep=True)
    # treebeard moves T1 (with its villages) under T3 and T0B9 to the roots; its move
    # leaves a hole among the old siblings, which fix_tree closes.
    for code, parent in (("T1", "T3"), ("T0B9", None)):
        unit = Unit.objects.get(code=code)
        unit_update(
            unit=unit,
            name=unit.name,
            kind=unit.kind,
            headcount=unit.headcount,
            parent=Unit.objects.get(code=parent) if parent else None,
        )
    Unit.fix_tree(fix_paths=True)
    expected = tree()
    Unit.objects.all().delete()

    run_units(as_lines(rows))
    run_units(["T1,镇1,其他,T3,0", "T0B9,村B9,村居,,10"])
    assert tree() == expected
    assert_consistent()


def test_an_unchanged_reimport_writes_nothing():
    rows = roster()
    run_units(as_lines(rows))
    before = {u.pk: (u.path, u.name) for u in Unit.objects.all()}
    with CaptureQueriesContext(connection) as queries:
        report = run_units(as_lines(rows))
    assert report.unchanged == len(rows)
    writes = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]
    assert writes == []
    assert {u.pk: (u.path, u.name) for u in Unit.objects.all()} == before


def test_field_changes_are_written_without_moving_anyone():
    rows = roster()
    run_units(as_lines(rows))
    paths = {u.code: u.path for u in Unit.objects.all()}
    run_units(["T2B9,新名字,学校,T2,33"])
    unit = Unit.objects.get(code="T2B9")
    assert (unit.name, unit.kind.name, unit.headcount) == ("新名字", "学校", 33)
    assert {u.code: u.path for u in Unit.objects.all()} == paths


def test_the_number_of_statements_does_not_grow_with_the_rows():
    def statements(count, prefix):
        lines = [f"{prefix},{prefix}市,其他,,0"] + [
            f"{prefix}-{n:05d},村{n},村居,{prefix},5" for n in range(count)
        ]
        with CaptureQueriesContext(connection) as queries:
            run_units(lines)
        return len(queries.captured_queries)

    small = statements(10, "A")
    large = statements(1000, "Z")
    # INSERTs of many rows each (SQLite's variable limit splits them at about 140
    # rows), never one per row.
    assert large - small <= 1000 // 100
