"""Learning content (pages), progress records and story submissions."""

from .pages import (
    CourseIndexPage,
    CoursePage,
    LessonPage,
    LessonPageTag,
    StoryIndexPage,
    StoryPage,
    StoryPageTag,
)
from .progress import LessonProgress
from .submissions import StorySubmission

__all__ = [
    "CourseIndexPage",
    "CoursePage",
    "LessonPage",
    "LessonPageTag",
    "LessonProgress",
    "StoryIndexPage",
    "StoryPage",
    "StoryPageTag",
    "StorySubmission",
]
