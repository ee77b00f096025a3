"""Contest fixtures: a host, a tagged bank of four-option questions, a contest in the
lobby, and a clock the tests move by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from quizzes.contests.services import contest_create
from tests.factories import make_person
from tests.quizzes.conftest import make_question
from units.models import Role, Unit

T0 = datetime(2026, 12, 1, 9, 0, 0, tzinfo=UTC)


def four_options(code: str) -> list[tuple[str, bool, str]]:
    return [
        (f"{code}甲", True, ""),
        (f"{code}乙", False, ""),
        (f"{code}丙", False, ""),
        (f"{code}丁", False, ""),
    ]


@pytest.fixture
def bank(db):
    return [
        make_question(
            f"JS-{i:02d}", options=four_options(f"JS-{i:02d}"), tags=("竞赛",)
        )
        for i in range(1, 4)
    ]


@pytest.fixture
def host(city):
    return make_person("host", unit=Unit.objects.get(code="YK-JG-01"), role=Role.EDITOR)


@pytest.fixture
def contest(bank, host):
    return contest_create(host=host, title="廉洁知识竞赛", tag="竞赛", question_count=3)


def seconds(s: float) -> timedelta:
    return timedelta(seconds=s)
