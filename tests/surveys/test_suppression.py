"""Complementary suppression: which subtrees' distributions a unit manager may see."""

from __future__ import annotations

import random

from surveys.suppression import shown_subtrees

STEP = 4


def _path(*positions: int) -> str:
    return "".join(f"{p:04d}" for p in positions)


TOWN = _path(1)
V1, V2, V3 = _path(1, 1), _path(1, 2), _path(1, 3)


def _rest(shown, own, path):
    """What a reader can subtract a shown subtree down to."""

    def subtree(p):
        return sum(n for q, n in own.items() if q.startswith(p))

    highest = [
        q
        for q in shown
        if q.startswith(path)
        and q != path
        and not any(
            q.startswith(a) and a != q and a.startswith(path) and a != path
            for a in shown
        )
    ]
    return subtree(path) - sum(subtree(q) for q in highest)


def test_worked_example_hides_the_small_village_and_one_village_of_twenty():
    own = {TOWN: 0, V1: 20, V2: 20, V3: 3}
    shown = shown_subtrees(own=own, top=TOWN, steplen=STEP)
    assert TOWN in shown
    assert V3 not in shown
    assert len(shown & {V1, V2}) == 1
    assert _rest(shown, own, TOWN) == 23


def test_the_choice_between_equal_villages_does_not_depend_on_insertion_order():
    own = {TOWN: 0, V1: 20, V2: 20, V3: 3}
    again = dict(reversed(list(own.items())))
    assert shown_subtrees(own=own, top=TOWN, steplen=STEP) == shown_subtrees(
        own=again, top=TOWN, steplen=STEP
    )


def test_a_town_whose_own_unit_has_two_respondents_hides_a_village():
    own = {TOWN: 2, V1: 30, V2: 8}
    shown = shown_subtrees(own=own, top=TOWN, steplen=STEP)
    assert shown == {TOWN, V1}


def test_nothing_small_needs_no_extra_hiding():
    own = {TOWN: 0, V1: 20, V2: 20, V3: 6}
    assert shown_subtrees(own=own, top=TOWN, steplen=STEP) == {TOWN, V1, V2, V3}


def test_a_scope_below_five_shows_nothing():
    own = {TOWN: 0, V1: 1, V2: 1}
    assert shown_subtrees(own=own, top=TOWN, steplen=STEP) == set()


def test_three_levels_city_minus_towns_minus_villages():
    # City (own 0) → town A (own 0) → villages 20, 20; town B (own 0) → village 2 (so
    # town B is hidden) and village 10. From the city a reader subtracts town A and
    # village B2 (shown under hidden town B): the rest is B1's 2 → hide more.
    city = _path(1)
    town_a, a1, a2 = _path(1, 1), _path(1, 1, 1), _path(1, 1, 2)
    town_b, b1, b2 = _path(1, 2), _path(1, 2, 1), _path(1, 2, 2)
    own = {city: 0, town_a: 0, a1: 20, a2: 20, town_b: 0, b1: 2, b2: 10}
    shown = shown_subtrees(own=own, top=city, steplen=STEP)
    assert b1 not in shown
    # Town B has 12 ≥ 5 but its rest after subtracting B2 would be 2: B2 is hidden.
    assert town_b in shown and b2 not in shown
    for path in shown:
        assert _rest(shown, own, path) == 0 or _rest(shown, own, path) >= 5


def test_every_shown_subtree_is_safe_on_random_trees():
    rng = random.Random(7)
    for _ in range(300):
        own = {_path(1): rng.choice([0, 0, 1, 3, 7])}
        for t in range(1, rng.randint(1, 4) + 1):
            own[_path(1, t)] = rng.choice([0, 0, 2, 4, 9])
            for v in range(1, rng.randint(0, 4) + 1):
                own[_path(1, t, v)] = rng.choice([0, 1, 2, 3, 4, 5, 12, 30])
        shown = shown_subtrees(own=own, top=_path(1), steplen=STEP)
        for path in shown:
            total = sum(n for q, n in own.items() if q.startswith(path))
            assert total >= 5
            rest = _rest(shown, own, path)
            assert rest == 0 or rest >= 5, (own, shown, path)
