"""The scorecard against figures computed by hand (see conftest.py for the fixture)."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest

from surveys import scoring
from surveys.selectors import distributions, scorecard_compute, scorecard_for, trend
from surveys.services import campaign_close
from tests.factories import make_unit
from units.models import Unit

pytestmark = pytest.mark.django_db


def _rows(report):
    return {r["unit_code"]: r for r in report["units"]}


def _kinds(report):
    return {r["unit_kind"]: r for r in report["kinds"]}


def test_wilson_bounds_match_the_formula_computed_by_hand():
    # p = 33/40, n = 40, z = 1.959964:
    # centre = (p + z²/2n) / (1 + z²/n), half = z·√(p(1−p)/n + z²/4n²) / (1 + z²/n)
    low, high = scoring.wilson(33 / 40, 40)
    assert low == pytest.approx(0.6805000953869541, abs=1e-12)
    assert high == pytest.approx(0.9125458630150444, abs=1e-12)


def test_wilson_at_the_extremes_stays_within_zero_and_one():
    assert scoring.wilson(1.0, 31) == pytest.approx((0.889744602991977, 1.0))
    assert scoring.wilson(0.0, 31) == pytest.approx((0.0, 0.11025539700802303))
    assert scoring.wilson(None, 0) == (None, None)


def test_gaps_use_exact_decimal_arithmetic():
    # 0.85 × 100 is exactly 85 people; a float product would round up to 86.
    assert scoring.participation_gap(40, 100, Decimal("0.85")) == 45
    assert scoring.participation_gap(90, 100, Decimal("0.85")) == 0
    # (33 + x) / (40 + x) ≥ 0.85 first holds at x = 7 (40/47 = 0.851; 39/46 = 0.848).
    assert scoring.recognition_gap(33, 40, Decimal("0.85")) == 7
    assert scoring.recognition_gap(40, 40, Decimal("0.85")) == 0


def test_required_correct_items_rounds_the_threshold_up():
    assert scoring.required_correct(Decimal("0.8"), 2) == 2
    assert scoring.required_correct(Decimal("0.8"), 5) == 4
    assert scoring.required_correct(Decimal("0.7"), 10) == 7


def test_unit_participation_rate_gap_and_status(scored):
    row = _rows(scorecard_compute(campaign=scored))["YK-GS-01"]
    assert row["headcount"] == 100
    assert row["participants"] == 40
    assert row["participation_rate"] == pytest.approx(0.40)
    assert row["participation_status"] == "not_met"
    assert row["participation_gap"] == 45


def test_recognition_counts_exact_sets_and_unanswered_items_as_wrong(scored):
    row = _rows(scorecard_compute(campaign=scored))["YK-GS-01"]
    # 4 chose a subset of R2, 2 a superset, 1 answered nothing: only 33 of 40 recognise.
    assert row["respondents"] == 40
    assert row["recognising"] == 33
    assert row["recognition_rate"] == pytest.approx(0.825)
    assert row["recognition_ci_low"] == pytest.approx(0.6805000953869541)
    assert row["recognition_ci_high"] == pytest.approx(0.9125458630150444)
    assert row["recognition_status"] == "uncertain"
    assert row["recognition_gap"] == 7


def test_satisfaction_pools_answers_but_counts_people_for_the_interval(scored):
    row = _rows(scorecard_compute(campaign=scored))["YK-GS-01"]
    # 75 answers excluding 不了解, 68 positive; n = 39 people with ≥ 1 such answer.
    assert row["satisfaction_rate"] == pytest.approx(68 / 75)
    assert row["satisfaction_index"] == pytest.approx(82.0)
    low, high = scoring.wilson(68 / 75, 39)
    assert (low, high) == pytest.approx((0.7757697898273445, 0.96463450144315))
    assert row["satisfaction_ci_low"] == pytest.approx(low)
    assert row["satisfaction_ci_high"] == pytest.approx(high)
    assert row["satisfaction_status"] == "uncertain"


def test_small_sample_shows_insufficient_instead_of_a_status(scored):
    row = _rows(scorecard_compute(campaign=scored))["YK-GS-02"]
    # The unfinished draft is not a respondent.
    assert row["respondents"] == 3
    assert row["recognition_rate"] == 1.0
    assert row["recognition_status"] == "insufficient_sample"
    assert row["satisfaction_status"] == "insufficient_sample"
    assert row["participation_gap"] == math.ceil(Decimal("0.85") * 50) - 3 == 40


def test_met_and_not_met_from_the_interval(scored):
    row = _rows(scorecard_compute(campaign=scored))["YK-JG-01"]
    # p = 1, n = 31: lower bound 0.8897 ≥ 0.85 → met. Satisfaction all 一般: 0 → not met.
    assert row["recognition_status"] == "met"
    assert row["recognition_ci_low"] == pytest.approx(0.889744602991977)
    assert row["satisfaction_rate"] == 0.0
    assert row["satisfaction_index"] == 50.0
    assert row["satisfaction_status"] == "not_met"


def test_participation_above_headcount_is_reported_not_clipped(scored):
    row = _rows(scorecard_compute(campaign=scored))["YK-JG-01"]
    assert row["participants"] == 31
    assert row["participation_rate"] == pytest.approx(31 / 30)
    assert row["participation_status"] == "met"
    assert row["participation_gap"] == 0


def test_subtree_rollup_sums_counts_instead_of_averaging_rates(scored):
    rows = _rows(scorecard_compute(campaign=scored))
    town = rows["YK-GS"]
    assert town["parent_code"] == "YK"
    assert town["headcount"] == 150
    assert town["participants"] == 43
    assert town["participation_rate"] == pytest.approx(
        43 / 150
    )  # not (0.40 + 0.06) / 2
    assert town["recognising"] == 36
    assert town["recognition_rate"] == pytest.approx(36 / 43)
    assert town["satisfaction_rate"] == pytest.approx(71 / 78)
    assert town["satisfaction_index"] == pytest.approx(6375 / 78)
    root = rows["YK"]
    assert root["parent_code"] is None
    assert (root["headcount"], root["participants"], root["recognising"]) == (
        180,
        74,
        67,
    )
    assert root["recognition_ci_low"] == pytest.approx(0.8173774132950827)
    assert root["recognition_status"] == "uncertain"


def test_grouping_by_kind_uses_own_responses_and_headcount(scored):
    kinds = _kinds(scorecard_compute(campaign=scored))
    village = kinds["村居"]
    assert (village["headcount"], village["participants"], village["recognising"]) == (
        150,
        43,
        36,
    )
    assert kinds["机关"]["participants"] == 31
    other = kinds["其他"]
    # 永康市, 古山镇, 市直机关 have no people of their own and no own responses.
    assert other["headcount"] == 0
    assert other["participation_rate"] is None
    assert other["participation_status"] is None
    assert other["participants"] == 0


def test_unit_with_headcount_zero_has_no_participation_rate(campaign):
    empty = make_unit("YK-EMPTY", parent=Unit.objects.get(code="YK"), kind_name="其他")
    assert empty.headcount == 0
    from surveys.models import CampaignUnit

    CampaignUnit.objects.create(
        campaign=campaign, unit=empty, headcount=0, token="t-empty"
    )
    row = _rows(scorecard_compute(campaign=campaign))["YK-EMPTY"]
    assert row["participation_rate"] is None
    assert row["participation_gap"] == 0
    assert row["recognition_rate"] is None
    assert row["recognition_status"] == "insufficient_sample"


def test_item_rates_over_the_campaign(scored):
    items = {i["code"]: i for i in scorecard_compute(campaign=scored)["items"]}
    # R1: 39 + 3 + 31 answered; the 4 who chose B are wrong.
    assert (items["R1"]["answered"], items["R1"]["correct"]) == (73, 69)
    assert items["R1"]["rate"] == pytest.approx(69 / 73)
    # R2: 6 wrong sets in 胡库村.
    assert (items["R2"]["answered"], items["R2"]["correct"]) == (73, 67)


def test_unit_manager_scope_limits_rows_and_items(scored):
    report = scorecard_compute(campaign=scored, scope=_town_scope())
    assert [r["unit_code"] for r in report["units"]] == [
        "YK-GS",
        "YK-GS-01",
        "YK-GS-02",
    ]
    assert set(_kinds(report)) == {"其他", "村居"}
    items = {i["code"]: i for i in report["items"]}
    assert items["R1"]["answered"] == 42


def test_headcounts_are_snapshotted_when_the_campaign_opens(scored):
    Unit.objects.filter(code="YK-GS-01").update(headcount=1000)
    assert _rows(scorecard_compute(campaign=scored))["YK-GS-01"]["headcount"] == 100


def test_closing_freezes_the_scorecard(scored):
    closed = campaign_close(campaign=scored)
    from surveys.models import CampaignUnit

    # A later edit to the snapshot (or answers) no longer changes what users see.
    CampaignUnit.objects.filter(campaign=scored, unit__code="YK-GS-01").update(
        headcount=1
    )
    report = scorecard_for(campaign=closed)
    assert report["campaign"]["state"] == "closed"
    assert _rows(report)["YK-GS-01"]["headcount"] == 100


# The recognition items, the campaign's units, their network tallies (one grouped query,
# not a subquery per unit), the per-unit totals, and the distribution of recognition
# masks for the item rates.
SCORECARD_QUERIES = 5


def test_scorecard_query_count_does_not_grow_with_units(
    scored, django_assert_num_queries
):
    with django_assert_num_queries(SCORECARD_QUERIES):
        scorecard_compute(campaign=scored)
    root = Unit.objects.get(code="YK-GS")
    from surveys.models import CampaignUnit

    for i in range(20):
        unit = make_unit(f"YK-GS-X{i:02d}", parent=root, kind_name="村居", headcount=10)
        CampaignUnit.objects.create(
            campaign=scored, unit=unit, headcount=10, token=f"x{i}"
        )
    with django_assert_num_queries(SCORECARD_QUERIES):
        report = scorecard_compute(campaign=scored)
    assert _rows(report)["YK-GS"]["headcount"] == 350


def test_daily_trend_accumulates_participants(scored):
    rows = trend(campaign=scored)
    assert rows[-1]["cumulative"] == 74
    assert rows[-1]["participation_rate"] == pytest.approx(74 / 180)


def test_distributions_count_options_per_question(scored):
    by_code = {q["code"]: q for q in distributions(campaign=scored)}
    s1 = {o["code"]: o["count"] for o in by_code["S1"]["options"]}
    assert s1 == {"5": 34, "4": 3, "3": 34, "2": 0, "1": 2, "0": 1}
    assert by_code["R1"]["answered"] == 73


def test_changing_a_correct_answer_rescores_open_campaigns(scored):
    from surveys.models import Option
    from surveys.services import campaigns_rescore

    # Make B (not A) the correct answer of R1: the 4 who chose B now get R1 right, but
    # they chose only A for R2 (a subset), so they still do not recognise; 33 + 3 + 31
    # who chose A lose R1.
    Option.objects.filter(question__code="R1", code="A").update(is_correct=False)
    Option.objects.filter(question__code="R1", code="B").update(is_correct=True)
    campaigns_rescore(survey=scored.survey)
    report = scorecard_compute(campaign=scored)
    assert _rows(report)["YK"]["recognising"] == 0
    items = {i["code"]: i for i in report["items"]}
    assert (items["R1"]["answered"], items["R1"]["correct"]) == (73, 4)


def test_stored_scores_match_a_fresh_recomputation(scored):
    from surveys.models import Response
    from surveys.questionnaire import ResponseScores
    from surveys.services import responses_score

    columns = list(ResponseScores().columns())
    before = list(Response.objects.order_by("id").values_list(*columns))
    Response.objects.update(**dict.fromkeys(columns, 0))
    responses_score(campaign=scored)
    assert list(Response.objects.order_by("id").values_list(*columns)) == before


def test_closed_campaign_scoped_view_matches_the_frozen_rows(scored):
    closed = campaign_close(campaign=scored)
    scoped = scorecard_for(campaign=closed, scope=_town_scope())
    frozen = {r["unit_code"]: r for r in closed.frozen_scorecard["units"]}
    assert [r["unit_code"] for r in scoped["units"]] == [
        "YK-GS",
        "YK-GS-01",
        "YK-GS-02",
    ]
    assert all(r == frozen[r["unit_code"]] for r in scoped["units"])
    assert scoped["campaign"]["state"] == "closed"


def _town_scope():
    """The scope of a manager of 古山镇, as production resolves it."""
    from tests.factories import make_person
    from units.models import Role
    from units.permissions import scorecard_scope

    manager = make_person(
        role=Role.UNIT_MANAGER,
        unit=Unit.objects.get(code="YK-GS"),
    )
    return scorecard_scope(manager)


def _items_from_each_response(campaign, path_prefix):
    """Item counts the long way: every completed response's masks, bit by bit."""
    from surveys.models import Response

    masks = Response.objects.filter(
        campaign=campaign,
        completed_at__isnull=False,
        unit__path__startswith=path_prefix,
    ).values_list("recognition_answered_mask", "recognition_correct_mask")
    answered, correct = [0, 0], [0, 0]
    for answered_mask, correct_mask in masks:
        for i in range(2):
            answered[i] += (answered_mask >> i) & 1
            correct[i] += (correct_mask >> i) & 1
    return answered, correct


def test_item_counts_from_the_mask_distribution_equal_each_responses_bits(scored):
    from surveys.selectors import item_counts, item_rates

    town = Unit.objects.get(code="YK-GS")
    whole = item_counts(campaign=scored, item_count=2)
    assert (whole.item_answered, whole.item_correct) == _items_from_each_response(
        scored, scored.root_unit.path
    )
    part = item_counts(campaign=scored, item_count=2, roots=[town])
    assert (part.item_answered, part.item_correct) == _items_from_each_response(
        scored, town.path
    )
    assert part.item_answered == [42, 42]
    rates = item_rates(campaign=scored, root=town)
    assert [(r["answered"], r["correct"]) for r in rates] == list(
        zip(part.item_answered, part.item_correct, strict=True)
    )


def test_unit_manager_items_match_the_item_rates_of_their_subtree(scored):
    from surveys.selectors import item_rates

    town = Unit.objects.get(code="YK-GS")
    assert scorecard_compute(campaign=scored, scope=_town_scope())[
        "items"
    ] == item_rates(campaign=scored, root=town)


def test_flag_counters_come_from_one_grouped_query_over_the_tallies(
    scored, django_assert_num_queries
):
    from surveys.models import CampaignUnit, NetworkTally
    from surveys.ratelimit import BURST_TALLY
    from surveys.selectors import scorecard_members

    busy = CampaignUnit.objects.get(campaign=scored, unit__code="YK-GS-01")
    quiet = CampaignUnit.objects.get(campaign=scored, unit__code="YK-JG-01")
    NetworkTally.objects.bulk_create(
        [
            NetworkTally(campaign_unit=busy, address_hash="a" * 32, count=36),
            NetworkTally(campaign_unit=busy, address_hash="b" * 32, count=4),
            NetworkTally(campaign_unit=busy, address_hash=BURST_TALLY, count=1),
            NetworkTally(campaign_unit=quiet, address_hash="c" * 32, count=3),
        ]
    )
    with django_assert_num_queries(2):
        members = {m.unit.code: m for m in scorecard_members(campaign=scored)}
    assert (members["YK-GS-01"].network_peak, members["YK-GS-01"].burst) == (36, True)
    assert (members["YK-JG-01"].network_peak, members["YK-JG-01"].burst) == (3, False)
    assert (members["YK-GS-02"].network_peak, members["YK-GS-02"].burst) == (0, False)
    flags = _rows(scorecard_compute(campaign=scored))["YK-GS-01"]["flags"]
    # 36 of 40 respondents (90 %) from one network, and the burst row.
    assert flags == ["burst", "one_network"]
