"""How a recognition item's options reach the respondent: in a per-respondent order and
under opaque values.

A recognition item has a correct answer, so its options must not give it away: the form
value of each option is a keyed hash of the respondent's seed, the question and the
option (never the option's code, which an editor may have made "A" for every key), and
the order is shuffled per respondent so a habit of the editor's ("the answer is
usually the second") does not lift the rate. Both depend only on the seed: a re-shown
form or a restored draft shows the same order and accepts the same values.
"""

from __future__ import annotations

import random
from collections.abc import Iterable

from django.utils.crypto import salted_hmac

from .models import Campaign, Option, Question, QuestionKind
from .questionnaire import FormOption, FormQuestion

TOKEN_SALT = "surveys.recognition-option"  # noqa: S105 (a namespace, not a secret)
ORDER_SALT = "surveys.recognition-order"
TOKEN_LENGTH = 16
# Two options reading as true/false keep the editor's order: 对 before 错.
TRUE_FALSE_LABELS = {frozenset({"对", "错"}), frozenset({"正确", "错误"})}
# Options that refer to the others read only at the end; on import they default to
# pinned (Option.pin_last).
PIN_LAST_LABELS = (
    "以上都对",
    "以上都不对",
    "以上皆是",
    "以上皆非",
    "以上都是",
    "以上都不是",
)


def label_pins_last(label: str) -> bool:
    return label.strip().rstrip("。.").startswith(PIN_LAST_LABELS)


def respondent_seed(*, campaign: Campaign, user=None, nonce: str = "") -> str:
    """Identified respondents keep one seed per campaign (their draft comes back the
    same); anonymous ones get the form's own random nonce, so nothing ties two visits."""
    if user is not None:
        return f"{campaign.pk}:user:{user.pk}"
    return f"{campaign.pk}:form:{nonce}"


def option_token(
    *, seed: str, question: Question | FormQuestion, option: Option | FormOption
) -> str:
    return salted_hmac(TOKEN_SALT, f"{seed}:{question.code}:{option.code}").hexdigest()[
        :TOKEN_LENGTH
    ]


def is_opaque(question: FormQuestion) -> bool:
    return question.kind == QuestionKind.RECOGNITION


def displayed_options(
    *, question: FormQuestion, seed: str, shuffle: bool
) -> list[tuple[str, FormOption]]:
    """(form value, option) in the order shown. Only recognition items are shuffled and
    hashed; other kinds keep their order and codes (satisfaction is a scale)."""
    options = list(question.options)
    if not is_opaque(question):
        return [(o.code, o) for o in options]
    labels = frozenset(o.label.strip() for o in options)
    if shuffle and labels not in TRUE_FALSE_LABELS:
        free = [o for o in options if not o.pin_last]
        digest = salted_hmac(ORDER_SALT, f"{seed}:{question.code}").hexdigest()
        random.Random(digest).shuffle(free)  # noqa: S311 (an order, not a secret)
        options = free + [o for o in options if o.pin_last]
    return [(option_token(seed=seed, question=question, option=o), o) for o in options]


def decoded_values(
    *, questions: Iterable[FormQuestion], values: dict[str, list[str]], seed: str
) -> tuple[dict[str, list[str]], set[str]]:
    """Posted values with recognition tokens turned back into option codes, and the
    codes of questions that carried a value matching none of their tokens (forged, or
    from another respondent's form)."""
    decoded = dict(values)
    forged: set[str] = set()
    for question in questions:
        if not is_opaque(question):
            continue
        codes = {
            option_token(seed=seed, question=question, option=o): o.code
            for o in question.options
        }
        posted = [v.strip() for v in values.get(question.code, []) if v.strip()]
        if any(v not in codes for v in posted):
            forged.add(question.code)
            decoded[question.code] = []
        else:
            decoded[question.code] = [codes[v] for v in posted]
    return decoded, forged
