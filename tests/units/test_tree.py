"""The unit tree: creating, moving, subtree headcounts."""

import pytest
from django.core.exceptions import ValidationError

from tests.factories import make_unit
from units.models import Unit
from units.selectors import (
    unit_parent_codes,
    unit_subtree_headcount,
    units_with_subtree_headcount,
)
from units.services import unit_update

pytestmark = pytest.mark.django_db


def _unit(code):
    return Unit.objects.get(code=code)


def test_subtree_headcount_sums_own_headcounts_of_all_descendants(city):
    assert unit_subtree_headcount(root=_unit("YK")) == 180
    assert unit_subtree_headcount(root=_unit("YK-GS")) == 150
    assert unit_subtree_headcount(root=_unit("YK-GS-01")) == 100


def test_subtree_headcounts_are_annotated_in_one_query(city, django_assert_num_queries):
    with django_assert_num_queries(1):
        sums = dict(
            units_with_subtree_headcount().values_list("code", "subtree_headcount")
        )
    assert sums == {
        "YK": 180,
        "YK-GS": 150,
        "YK-GS-01": 100,
        "YK-GS-02": 50,
        "YK-JG": 30,
        "YK-JG-01": 30,
    }


def test_moving_a_unit_moves_its_subtree_and_its_headcount(city):
    make_unit("YK-GS-01-A", parent=_unit("YK-GS-01"), headcount=7)
    town, office = _unit("YK-GS"), _unit("YK-JG")
    village = _unit("YK-GS-01")
    unit_update(
        unit=village, name=village.name, kind=village.kind, headcount=100, parent=office
    )
    assert _unit("YK-GS-01").get_parent().code == "YK-JG"
    assert _unit("YK-GS-01-A").get_parent().code == "YK-GS-01"
    assert unit_subtree_headcount(root=town) == 50
    assert unit_subtree_headcount(root=office) == 137
    assert unit_subtree_headcount(root=_unit("YK")) == 187


def test_a_unit_cannot_move_under_its_own_descendant(city):
    town = _unit("YK-GS")
    with pytest.raises(
        ValidationError, match="不能把单元移动到它自己或它的下级单元之下"
    ):
        unit_update(
            unit=town,
            name=town.name,
            kind=town.kind,
            headcount=0,
            parent=_unit("YK-GS-01"),
        )
    assert _unit("YK-GS").get_parent().code == "YK"


def test_a_unit_moved_to_the_top_becomes_a_root(city):
    town = _unit("YK-GS")
    unit_update(unit=town, name=town.name, kind=town.kind, headcount=0, parent=None)
    assert _unit("YK-GS").is_root()
    assert unit_subtree_headcount(root=_unit("YK")) == 30


def test_parent_codes_are_found_from_paths(city):
    parents = unit_parent_codes(queryset=Unit.objects.all())
    by_code = {u.code: parents[u.id] for u in Unit.objects.all()}
    assert by_code["YK"] is None
    assert by_code["YK-GS-02"] == "YK-GS"
    assert by_code["YK-JG-01"] == "YK-JG"
