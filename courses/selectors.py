"""Reads for learning: course cards and outlines, a learner's progress, history and
recommendations, story submissions, and learning participation per unit (docs/metrics.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from django.contrib.contenttypes.models import ContentType
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Length, Substr
from wagtail.models import Page, WorkflowState

from units.models import Unit, User
from units.selectors import unit_subtree_headcount, units_with_subtree_headcount

from .models import (
    CourseIndexPage,
    CoursePage,
    LessonPage,
    LessonProgress,
    StoryIndexPage,
    StoryPage,
    StorySubmission,
)

RECOMMENDATION_LIMIT = 4
HOME_COURSES = 3
HOME_STORIES = 3


def percent(done: int, total: int) -> int:
    """Whole-number percentage for progress bars; 0 for an empty course."""
    return round(100 * done / total) if total else 0


def _lessons_under(path_ref) -> QuerySet[LessonPage]:
    return LessonPage.objects.live().filter(path__startswith=path_ref)


def _count(queryset: QuerySet) -> Subquery:
    return Coalesce(
        Subquery(
            queryset.order_by()
            .values(group=Value(1))
            .annotate(n=Count("pk"))
            .values("n"),
            output_field=IntegerField(),
        ),
        0,
    )


def courses_with_progress(
    *, queryset: QuerySet[CoursePage], user
) -> QuerySet[CoursePage]:
    """Annotate `lesson_count` and, for a signed-in learner, `completed_count` in SQL."""
    lessons = _lessons_under(OuterRef("path"))
    queryset = queryset.annotate(lesson_count=_count(lessons))
    if user.is_authenticated:
        done = LessonProgress.objects.filter(
            user=user,
            completed_at__isnull=False,
            lesson__path__startswith=OuterRef("path"),
            lesson__live=True,
        )
        queryset = queryset.annotate(completed_count=_count(done))
    else:
        queryset = queryset.annotate(completed_count=Value(0))
    return queryset


def course_cards(*, index: CourseIndexPage, user) -> list[CoursePage]:
    courses = courses_with_progress(
        queryset=CoursePage.objects.child_of(index).live().select_related("cover"),
        user=user,
    ).order_by("path")
    courses = list(courses)
    for course in courses:
        course.percent = percent(course.completed_count, course.lesson_count)
    return courses


def _lessons_with_state(
    *, queryset: QuerySet[LessonPage], user
) -> QuerySet[LessonPage]:
    if not user.is_authenticated:
        return queryset.annotate(completed=Value(False), started=Value(False))
    mine = LessonProgress.objects.filter(user=user, lesson=OuterRef("pk"))
    return queryset.annotate(
        completed=Exists(mine.filter(completed_at__isnull=False)), started=Exists(mine)
    )


def course_outline(*, course: CoursePage, user) -> dict:
    """The course's lessons in order with the learner's state, progress and where to resume.

    Resume goes to the first lesson opened but not completed; failing that, the first
    lesson not completed.
    """
    lessons = list(
        _lessons_with_state(
            queryset=LessonPage.objects.child_of(course).live().order_by("path"),
            user=user,
        )
    )
    done = sum(1 for lesson in lessons if lesson.completed)
    resume = next((x for x in lessons if x.started and not x.completed), None) or next(
        (x for x in lessons if not x.completed), None
    )
    return {
        "lessons": lessons,
        "completed_count": done,
        "lesson_count": len(lessons),
        "percent": percent(done, len(lessons)),
        "resume": resume,
        "started": any(lesson.started for lesson in lessons),
    }


def lesson_at(*, root: Page, path_components: list[str]) -> LessonPage | None:
    """The live lesson at `root`/index/course/lesson/, or None.

    Lessons sit exactly three levels below the site root (the 学习 index, a course, the
    lesson), so one query on the indexed slug, checked against the whole url_path,
    finds one; Wagtail's walk down the tree costs two queries a level.
    """
    if len(path_components) != 3:
        return None
    return (
        LessonPage.objects.live()
        .filter(
            depth=root.depth + 3,
            slug=path_components[-1],
            url_path=f"{root.url_path}{'/'.join(path_components)}/",
        )
        .first()
    )


class LessonNavigation:
    """A lesson's course, neighbours, position and tags, each read on first use.

    The lesson page's cached fragments (courses.cache) hold everything drawn from these,
    so a page whose fragments are in the cache never runs the queries.
    """

    def __init__(self, lesson: LessonPage):
        self.lesson = lesson

    @cached_property
    def course(self) -> CoursePage | None:
        return CoursePage.objects.filter(path=self.lesson.path[: -Page.steplen]).first()

    @cached_property
    def _siblings(self) -> list[LessonPage]:
        return list(
            LessonPage.objects.sibling_of(self.lesson)
            .live()
            .order_by("path")
            .only("id", "title", "path", "url_path", "depth")
        )

    @cached_property
    def _position(self) -> int:
        return next(
            (i for i, s in enumerate(self._siblings) if s.pk == self.lesson.pk), 0
        )

    @property
    def previous_lesson(self) -> LessonPage | None:
        return self._siblings[self._position - 1] if self._position > 0 else None

    @property
    def next_lesson(self) -> LessonPage | None:
        position = self._position + 1
        return self._siblings[position] if position < len(self._siblings) else None

    @property
    def lesson_number(self) -> int:
        return self._position + 1

    @property
    def lesson_total(self) -> int:
        return len(self._siblings)

    @cached_property
    def tags(self) -> list:
        return list(self.lesson.tags.all())


def lesson_context(
    *, lesson: LessonPage, user: User | None, progress: LessonProgress | None = None
) -> dict:
    """Navigation (read lazily) and the learner's record (when `user` is given; read
    unless the caller already has it) for a lesson page."""
    if user and progress is None:
        progress = LessonProgress.objects.filter(user=user, lesson=lesson).first()
    return {"nav": LessonNavigation(lesson), "progress": progress if user else None}


def learning_history(*, user: User) -> QuerySet[LessonProgress]:
    """The learner's lessons, most recent first, each with its course's title."""
    course_title = CoursePage.objects.filter(
        path=Substr(
            OuterRef("lesson__path"), 1, Length(OuterRef("lesson__path")) - Page.steplen
        )
    ).values("title")[:1]
    return (
        LessonProgress.objects.filter(user=user, lesson__live=True)
        .select_related("lesson")
        .annotate(course_title=Subquery(course_title, output_field=CharField()))
        .order_by("-last_seen_at")
    )


def lesson_recommendations(
    *, user: User, limit: int = RECOMMENDATION_LIMIT
) -> list[LessonPage]:
    """Lessons not yet completed: first those aimed at the learner's unit kind, then those
    aimed at everyone (no target kind), in course order."""
    kind_id = user.unit.kind_id if user.unit_id else None
    untargeted = Q(target_unit_kinds__isnull=True)
    wanted = untargeted | Q(target_unit_kinds=kind_id) if kind_id else untargeted
    lessons = (
        LessonPage.objects.live()
        .filter(wanted)
        .exclude(progress__user=user, progress__completed_at__isnull=False)
        .annotate(
            for_my_kind=Count("target_unit_kinds", filter=Q(target_unit_kinds=kind_id))
        )
        .select_related("cover")
        .order_by("-for_my_kind", "path")
    )
    return list(lessons[:limit])


def my_learning(*, user: User) -> dict:
    """Everything the 我的学习 page shows: courses under way, history, what to do next."""
    started_courses = courses_with_progress(
        queryset=CoursePage.objects.live().filter(
            Exists(
                LessonProgress.objects.filter(
                    user=user, lesson__path__startswith=OuterRef("path")
                )
            )
        ),
        user=user,
    ).order_by("path")
    courses = list(started_courses)
    for course in courses:
        course.percent = percent(course.completed_count, course.lesson_count)
    return {
        "courses": courses,
        "completed_total": LessonProgress.objects.filter(
            user=user, completed_at__isnull=False, lesson__live=True
        ).count(),
        "recommendations": lesson_recommendations(user=user),
    }


def story_cards(*, index: StoryIndexPage) -> QuerySet[StoryPage]:
    return (
        StoryPage.objects.child_of(index)
        .live()
        .select_related("cover")
        .order_by("path")
    )


def submission_list(*, user: User) -> QuerySet[StorySubmission]:
    """The learner's story submissions with their page and latest workflow status.

    `workflow_status` is Wagtail's WorkflowState status (in_progress, approved,
    needs_changes, cancelled) of the most recent moderation round, or None.
    """
    page_type = ContentType.objects.get_for_model(Page)
    latest = WorkflowState.objects.filter(
        base_content_type=page_type,
        object_id=Cast(OuterRef("page_id"), output_field=CharField()),
    ).order_by("-created_at", "-id")
    return (
        StorySubmission.objects.filter(user=user)
        .select_related("page")
        .annotate(workflow_status=Subquery(latest.values("status")[:1]))
        .annotate(
            status=Case(
                When(page__live=True, then=Value("published")),
                When(
                    workflow_status=WorkflowState.STATUS_IN_PROGRESS,
                    then=Value("in_review"),
                ),
                When(
                    workflow_status=WorkflowState.STATUS_NEEDS_CHANGES,
                    then=Value("needs_changes"),
                ),
                When(
                    workflow_status=WorkflowState.STATUS_CANCELLED,
                    then=Value("withdrawn"),
                ),
                default=Value("draft"),
                output_field=CharField(),
            )
        )
    )


def home_section(*, user) -> dict | None:
    """Courses and stories for the home page, or None when nothing is published."""
    index = CourseIndexPage.objects.live().first()
    story_index = StoryIndexPage.objects.live().first()
    courses = course_cards(index=index, user=user)[:HOME_COURSES] if index else []
    stories = list(story_cards(index=story_index)[:HOME_STORIES]) if story_index else []
    if not courses and not stories:
        return None
    return {
        "course_index": index,
        "courses": courses,
        "story_index": story_index,
        "stories": stories,
    }


def me_section(*, user: User) -> dict:
    return {
        "completed_total": LessonProgress.objects.filter(
            user=user, completed_at__isnull=False, lesson__live=True
        ).count(),
        "recent": list(learning_history(user=user)[:3]),
        "submission_count": StorySubmission.objects.filter(user=user).count(),
    }


# ---------------------------------------------------------------------------
# Learning participation (docs/metrics.md): distinct members of a unit's subtree with at
# least one completed lesson, submitted quiz attempt or completed daily practice in
# [start, end), over the subtree headcount.
# ---------------------------------------------------------------------------


def lesson_activity_user_ids(*, start: datetime, end: datetime) -> QuerySet:
    return LessonProgress.objects.filter(
        completed_at__gte=start, completed_at__lt=end
    ).values_list("user_id", flat=True)


def _activity_sources(*, start: datetime, end: datetime) -> list[QuerySet]:
    """User-id querysets whose union is the set of learners active in [start, end)."""
    from quizzes.contests.selectors import contest_activity_user_ids
    from quizzes.practice_selectors import practice_activity_user_ids
    from quizzes.selectors import learning_activity_user_ids

    return [
        lesson_activity_user_ids(start=start, end=end),
        learning_activity_user_ids(start=start, end=end),
        practice_activity_user_ids(start=start, end=end),
        contest_activity_user_ids(start=start, end=end),
    ]


def _active_q(sources: list[QuerySet], field: str = "pk") -> Q:
    condition = Q()
    for source in sources:
        condition |= Q(**{f"{field}__in": source})
    return condition


@dataclass(frozen=True)
class Participation:
    participants: int
    headcount: int

    @property
    def rate(self) -> float | None:
        """Fraction in [0, 1] (above 1 is a data anomaly, shown as such); None when the
        headcount is 0."""
        return self.participants / self.headcount if self.headcount else None


def learning_participation(
    *, root: Unit, start: datetime, end: datetime
) -> Participation:
    sources = _activity_sources(start=start, end=end)
    participants = (
        User.objects.filter(unit__path__startswith=root.path)
        .filter(_active_q(sources))
        .count()
    )
    return Participation(
        participants=participants, headcount=unit_subtree_headcount(root=root)
    )


def learning_participation_by_unit(
    *,
    units: QuerySet[Unit],
    start: datetime,
    end: datetime,
) -> QuerySet[Unit]:
    """Each unit annotated with `learning_participants` and `subtree_headcount` (subtree
    rollups) in one query, however many units.

    Active members are counted per unit through the unit index, then summed over the
    subtree's units: a person has one unit, so the sum counts each person once, and the
    path-prefix match runs over units rather than over every person.
    """
    sources = _activity_sources(start=start, end=end)
    own_active = _count(
        User.objects.filter(unit=OuterRef("pk")).filter(_active_q(sources))
    )
    subtree_active = (
        Unit.objects.filter(path__startswith=OuterRef("path"))
        .annotate(active=own_active)
        .order_by()
        .values(group=Value(1))
        .annotate(total=Sum("active"))
        .values("total")
    )
    return units_with_subtree_headcount(queryset=units).annotate(
        learning_participants=Coalesce(
            Subquery(subtree_active, output_field=IntegerField()), 0
        )
    )
