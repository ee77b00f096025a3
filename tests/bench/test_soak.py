"""The pure parts of bench/soak.py: RSS growth between minute 2 and the last minute, the
per-minute table, the last line, and the forms the simulated people read."""

import math
import random

from bench.soak import (
    fill,
    format_last_line,
    format_table,
    forms_in,
    percentile,
    rss_at_minutes,
    rss_growth_pct,
)


def test_rss_at_minutes_keeps_the_last_sample_of_each_minute():
    samples = [
        (5.0, 11, 100),
        (55.0, 11, 110),
        (65.0, 11, 120),
        (119.0, 11, 130),
        (119.5, 12, 200),
        (
            600.0,
            11,
            140,
        ),  # the final sample, at the very end, belongs to the last minute
    ]
    assert rss_at_minutes(samples, 10) == {
        1: {11: 110},
        2: {11: 130, 12: 200},
        10: {11: 140},
    }


def test_growth_is_measured_from_the_end_of_minute_two_to_the_last_minute():
    by_minute = {
        1: {11: 50_000, 12: 50_000},  # warm-up: ignored
        2: {11: 100_000, 12: 200_000},
        5: {11: 150_000, 12: 200_000},  # a peak in between does not count
        10: {11: 109_000, 12: 190_000},
    }
    assert math.isclose(rss_growth_pct(by_minute), 9.0)
    by_minute[10][12] = 222_000
    assert math.isclose(rss_growth_pct(by_minute), 11.0)


def test_growth_of_a_short_run_starts_from_its_first_minute():
    assert math.isclose(rss_growth_pct({1: {7: 1000}, 2: {7: 1050}}), 5.0)
    assert rss_growth_pct({1: {7: 1000}}) == 0.0
    assert rss_growth_pct({}) == 0.0


def test_a_worker_gone_at_the_end_is_unbounded_growth():
    assert rss_growth_pct({2: {7: 1000, 8: 1000}, 3: {7: 1000}}) == math.inf


def test_percentile_nearest_rank():
    assert percentile([], 0.5) is None
    assert percentile([3.0, 1.0, 2.0, 4.0], 0.5) == 2.0
    assert percentile([float(n) for n in range(1, 101)], 0.95) == 95.0


def test_table_has_a_row_per_minute_with_latency_and_rss_per_worker():
    per_minute = {
        1: {"requests": 3, "errors": 0, "latencies": [0.010, 0.020, 0.200]},
        2: {"requests": 1, "errors": 1, "latencies": [0.050]},
    }
    by_minute = {1: {11: 204_800, 12: 102_400}, 2: {11: 205_824}}
    assert format_table(per_minute, by_minute, [11, 12]).splitlines() == [
        "| minute | requests | errors | p50 ms | p95 ms | worker 1 RSS MB | worker 2 RSS MB |",
        "|---|---|---|---|---|---|---|",
        "| 1 | 3 | 0 | 20 | 200 | 200 | 100 |",
        "| 2 | 1 | 1 | 50 | 50 | 201 | — |",
    ]


def test_last_line():
    assert (
        format_last_line(10, 12345, 0, 3.14159)
        == "soak minutes=10 requests=12345 errors=0 rss_growth_max_pct=3.1"
    )
    assert format_last_line(0.5, 7, 2, math.inf).endswith("rss_growth_max_pct=inf")


def test_forms_and_a_full_answer():
    html = """
    <form method="get" action="/search/"><input name="q"></form>
    <form method="post" action="/practice/daily/answer/">
      <input type="hidden" name="csrfmiddlewaretoken" value="tok&amp;en">
      <input type="hidden" name="position" value="3">
      <input type="radio" name="q1" value="A"><input type="radio" name="q1" value="B">
      <input type="checkbox" name="q2" value="A"><input type="checkbox" name="q2" value="C">
      <textarea name="t1"></textarea>
      <button type="submit" name="go">交卷</button>
    </form>"""
    search, answer = forms_in(html)
    assert (search["method"], search["action"]) == ("get", "/search/")
    assert answer["action"] == "/practice/daily/answer/"
    assert answer["hidden"] == {"csrfmiddlewaretoken": "tok&en", "position": "3"}
    assert list(answer["fields"]) == ["q1", "q2", "t1"]
    data = fill(answer["fields"], random.Random(1), "廉洁")
    names = [name for name, _value in data]
    assert names.count("q1") == 1
    assert 1 <= names.count("q2") <= 2
    assert ("t1", "廉洁") in data
    assert all(value in "ABC" for name, value in data if name in ("q1", "q2"))
