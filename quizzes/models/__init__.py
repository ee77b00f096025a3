"""Question bank (snippets), quiz pages, and attempts that keep what was asked."""

from ..contests.models import Contest, ContestAnswer, ContestQuestion, Phase, Player  # noqa: F401, E501
from .attempts import Attempt, AttemptChoice, AttemptItem, AttemptState
from .certificates import Certificate
from .pages import QuizIndexPage, QuizPage, QuizQuestion, SelectionMode
from .practice import Practice, PracticeItem
from .questions import (
    Difficulty,
    Option,
    Question,
    QuestionKind,
    QuestionStatus,
    QuestionTag,
)

__all__ = [
    "Attempt",
    "AttemptChoice",
    "AttemptItem",
    "AttemptState",
    "Certificate",
    "Difficulty",
    "Option",
    "Practice",
    "PracticeItem",
    "Question",
    "QuestionKind",
    "QuestionStatus",
    "QuestionTag",
    "QuizIndexPage",
    "QuizPage",
    "QuizQuestion",
    "SelectionMode",
]
