"""Scorecard charts read well on a desktop: legible labels, axes with ticks, and no label
drawn over the dashed target line."""

from __future__ import annotations

import unicodedata
from xml.etree import ElementTree

import pytest
from django.utils import translation

from surveys import charts

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(autouse=True)
def _chinese():
    with translation.override("zh-hans"):
        yield


def _rows(*rates):
    return [
        {
            "unit_name": f"第{i}村民委员会古山镇",
            "participation_rate": rate,
            "participation_status": "met" if rate and rate >= 0.85 else "not_met",
        }
        for i, rate in enumerate(rates, start=1)
    ]


def _bars(*rates, target=0.85):
    return charts.bars(
        _rows(*rates),
        metric="participation_rate",
        target=target,
        title="参与率（虚线为目标）",
        status_key="participation_status",
    )


def _trend(*rates, target=0.85):
    points = [
        {
            "date": f"2026-05-{day:02d}",
            "participants": 1,
            "cumulative": day,
            "participation_rate": rate,
        }
        for day, rate in enumerate(rates, start=1)
    ]
    return charts.trend_line(points, target=target, title="累计参与率（按日）")


def _svg(markup):
    return ElementTree.fromstring(str(markup))  # noqa: S314 - our own chart markup


def _texts(svg):
    return list(svg.iter(f"{SVG}text"))


def _label(text):
    """A text element's own words (its <title> tooltip is not drawn)."""
    return (text.text or "") + "".join(child.tail or "" for child in text)


def _box(text):
    """The box a text element occupies: CJK characters are one em wide, others at most
    0.62 em (a generous bound for digits, % and Latin letters in a sans-serif)."""
    size = float(text.get("font-size"))
    words = _label(text)
    width = sum(
        size if unicodedata.east_asian_width(c) in "WF" else 0.62 * size for c in words
    )
    x, y = float(text.get("x")), float(text.get("y"))
    anchor = text.get("text-anchor", "start")
    left = {"start": x, "middle": x - width / 2, "end": x - width}[anchor]
    return left, y - size, left + width, y + 0.25 * size


def _target_line(svg):
    (line,) = [e for e in svg.iter(f"{SVG}line") if e.get("class") == "chart__target"]
    return tuple(float(line.get(k)) for k in ("x1", "y1", "x2", "y2"))


def _crosses(box, line):
    left, top, right, bottom = box
    x1, y1, x2, y2 = line
    if x1 == x2:  # vertical
        return left <= x1 <= right and top <= max(y1, y2) and bottom >= min(y1, y2)
    return top <= y1 <= bottom and left <= max(x1, x2) and right >= min(x1, x2)


@pytest.mark.parametrize(
    "markup",
    [_bars(0.4, 0.85, 1.2), _trend(0.1, 0.5, 0.9)],
    ids=["bars", "trend"],
)
def test_every_label_is_at_least_12_px_at_the_size_the_chart_is_drawn(markup):
    svg = _svg(markup)
    # Width attribute = viewBox width: one SVG unit is one CSS pixel on a desktop.
    assert svg.get("width") == svg.get("viewBox").split()[2]
    sizes = [float(t.get("font-size")) for t in _texts(svg)]
    assert sizes and min(sizes) >= 12


@pytest.mark.parametrize("rates", [(0.85, 0.84, 0.86), (0.8, 1.3), (None, 0.0, 1.0)])
def test_no_bar_label_is_drawn_over_the_target_line(rates):
    svg = _svg(_bars(*rates))
    line = _target_line(svg)
    crossing = [_label(t) for t in _texts(svg) if _crosses(_box(t), line)]
    assert crossing == []


@pytest.mark.parametrize("target", [0.0, 0.5, 0.85, 1.0])
def test_no_trend_label_is_drawn_over_the_target_line(target):
    svg = _svg(_trend(0.2, 0.5, 0.85, 0.86, target=target))
    line = _target_line(svg)
    crossing = [_label(t) for t in _texts(svg) if _crosses(_box(t), line)]
    assert crossing == []


def test_the_target_is_labelled_as_a_percentage():
    labels = [
        _label(t)
        for markup in (_bars(0.5), _trend(0.5))
        for t in _texts(_svg(markup))
        if t.get("class") == "chart__target-label"
    ]
    assert labels == ["目标 85.0%", "目标 85.0%"]


def test_the_trend_has_a_y_axis_with_percentage_ticks_up_to_the_highest_value():
    svg = _svg(_trend(0.2, 0.5, target=0.85))
    (axis,) = [g for g in svg.iter(f"{SVG}g") if g.get("class") == "chart__y-axis"]
    ticks = [_label(t) for t in axis.iter(f"{SVG}text")]
    assert ticks == ["0%", "25%", "50%", "75%", "100%"]
    # Ticks run from the bottom of the plot upwards, evenly spaced.
    ys = [float(t.get("y")) for t in axis.iter(f"{SVG}text")]
    steps = {round(a - b, 1) for a, b in zip(ys, ys[1:], strict=False)}
    assert len(steps) == 1 and steps.pop() > 0


def test_the_trend_axis_grows_past_100_percent_for_an_anomaly_and_uses_small_steps():
    over = _svg(_trend(0.5, 1.2, target=0.85))
    small = _svg(_trend(0.05, 0.12, target=0.3))
    assert [
        _label(t) for t in over.iter(f"{SVG}text") if t.get("class") == "chart__tick"
    ] == ["0%", "25%", "50%", "75%", "100%", "125%"]
    assert [
        _label(t) for t in small.iter(f"{SVG}text") if t.get("class") == "chart__tick"
    ] == ["0%", "10%", "20%", "30%"]


def test_bars_have_a_value_axis_from_0_to_100_percent():
    svg = _svg(_bars(0.3, 0.6))
    ticks = [_label(t) for t in _texts(svg) if t.get("class") == "chart__tick"]
    assert ticks == ["0%", "25%", "50%", "75%", "100%"]


def test_values_sit_in_their_own_column_right_of_the_bars():
    svg = _svg(_bars(0.3, 1.0, 1.3))
    values = [t for t in _texts(svg) if t.get("class") == "chart__value"]
    assert [_label(t) for t in values] == ["30.0%", "100.0%", "130.0% ⚠"]
    plot_right = max(
        float(r.get("x")) + float(r.get("width")) for r in svg.iter(f"{SVG}rect")
    )
    assert {float(t.get("x")) for t in values} == {plot_right + 8}
    assert max(_box(t)[2] for t in values) <= float(svg.get("width"))


def _names(svg):
    return [t for t in _texts(svg) if t.get("text-anchor") == "end"]


def test_long_unit_names_keep_head_and_tail_with_the_full_name_as_tooltip():
    (name,) = _names(_svg(_bars(0.5)))
    assert _label(name) == "第1村民…古山镇"
    assert name.find(f"{SVG}title").text == "第1村民委员会古山镇"
    assert _box(name)[0] >= 0


def test_children_are_labelled_without_their_parents_name():
    rows = [
        {"unit_name": name, "participation_rate": 0.5}
        for name in ("胡库村", "古山镇示范村居02", "古山镇示范村居委员会03", "古山镇")
    ]
    svg = _svg(
        charts.bars(
            rows,
            metric="participation_rate",
            target=0.85,
            title="t",
            parent_name="古山镇",
        )
    )
    assert [_label(t) for t in _names(svg)] == [
        "胡库村",
        "示范村居02",
        "示范村居…会03",
        "古山镇",
    ]


def test_unit_names_are_escaped():
    markup = charts.bars(
        [{"unit_name": "<b>村</b>", "participation_rate": 0.5}],
        metric="participation_rate",
        target=0.85,
        title="t",
    )
    assert "<b>" not in str(markup) and "&lt;b&gt;" in str(markup)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("target", [0.0, 0.85, 1.0])
def test_every_label_fits_inside_the_chart(language, target):
    with translation.override(language):
        markups = [_bars(0.4, 1.3, target=target), _trend(0.3, 1.2, target=target)]
    for svg in map(_svg, markups):
        boxes = [_box(t) for t in _texts(svg) if t.get("font-weight") != "bold"]
        assert min(b[0] for b in boxes) >= 0
        assert max(b[2] for b in boxes) <= float(svg.get("width"))
