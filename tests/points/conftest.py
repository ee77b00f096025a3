"""Points fixtures: the learning site of tests/courses (a course of three lessons)."""

from tests.courses.conftest import learning, villager  # noqa: F401
