"""Recognition items: opaque option values per respondent, a per-respondent order that
the campaign can switch off, 对 before 错, and "以上都对" pinned last."""

from __future__ import annotations

import re
import uuid

import pytest

from surveys import option_order
from surveys.models import Answer, CampaignUnit, Option, Response
from surveys.services import (
    QuestionSpec,
    campaign_create,
    campaign_open,
    survey_create,
)
from tests.factories import make_person
from tests.surveys.respondent import post_answers
from units.models import Unit

pytestmark = pytest.mark.django_db

ATTRIBUTE = re.compile(r'\s(value|id|for|data-[\w-]+)="([^"]*)"')


def _link(campaign, code="YK-GS-01"):
    token = CampaignUnit.objects.get(campaign=campaign, unit__code=code).token
    return f"/surveys/u/{token}/"


def _form(client, url) -> str:
    return client.get(url).content.decode()


def _values(html: str, code: str) -> list[str]:
    return re.findall(rf'name="q_{code}" value="([^"]*)"', html)


def _labels(html: str, code: str) -> list[str]:
    return re.findall(
        rf'name="q_{code}" value="[^"]*"(?: checked)?>\s*<span>([^<]*)</span>', html
    )


def _key(html: str) -> str:
    return re.search(r'name="idempotency_key" value="([^"]+)"', html)[1]


def _value_for(html: str, code: str, label: str) -> str:
    return dict(zip(_labels(html, code), _values(html, code), strict=True))[label]


def _open(survey, city, *, mode="anonymous", shuffle_options=True):
    campaign = campaign_create(
        survey=survey, title="认知测评", root_unit=city, mode=mode
    )
    campaign.shuffle_options = shuffle_options
    campaign.save(update_fields=["shuffle_options"])
    return campaign_open(campaign=campaign)


def test_two_respondents_see_neither_codes_nor_shared_values(client, campaign):
    pages = [_form(client, _link(campaign)) for _ in range(2)]
    seen = []
    for html in pages:
        values = _values(html, "R1") + _values(html, "R2")
        assert len(values) == 6 and len(set(values)) == 6
        assert all(re.fullmatch(r"[0-9a-f]{16}", v) for v in values)
        recognition = html[html.index('id="q-R1"') : html.index('id="q-S1"')]
        for name, value in ATTRIBUTE.findall(recognition):
            assert value not in {"A", "B", "C"}, (name, value)
            assert not re.search(r"(^|[-_])[ABC]$", value), (name, value)
        seen.append(set(values))
    assert not seen[0] & seen[1]
    # Satisfaction is a scale, not a test: its codes stay as they are.
    assert _values(pages[0], "S1")[:2] == ["5", "4"]


def test_posting_the_forms_values_stores_the_chosen_options(client, campaign):
    html = _form(client, _link(campaign))
    data = {
        "q_R1": _value_for(html, "R1", "奏免丁钱"),
        "q_R2": [
            _value_for(html, "R2", "清廉机关"),
            _value_for(html, "R2", "清廉学校"),
        ],
        "q_S1": "5",
        "idempotency_key": _key(html),
    }
    before = Response.objects.count()
    assert client.post(_link(campaign), data).status_code == 302
    response = Response.objects.exclude(
        pk__in=Response.objects.order_by("pk")[:before].values("pk")
    ).get()
    chosen = sorted(
        Answer.objects.filter(response=response, question__code__in=["R1", "R2"])
        .values_list("question__code", "option__code")
        .order_by("question__code", "option__code")
    )
    assert chosen == [("R1", "A"), ("R2", "A"), ("R2", "B")]
    assert response.recognition_correct == 2


def test_a_forged_value_is_refused_with_a_message_and_nothing_stored(client, campaign):
    html = _form(client, _link(campaign))
    before = Response.objects.count()
    page = client.post(
        _link(campaign),
        {"q_R1": "A", "q_S1": "5", "idempotency_key": _key(html)},
    )
    assert page.status_code == 400
    assert "此题的答案无法识别，请重新选择。" in page.content.decode()
    assert Response.objects.count() == before


def test_another_respondents_value_is_refused(client, campaign):
    other = _form(client, _link(campaign))
    html = _form(client, _link(campaign))
    page = client.post(
        _link(campaign),
        {
            "q_R1": _value_for(other, "R1", "奏免丁钱"),
            "q_S1": "5",
            "idempotency_key": _key(html),
        },
    )
    assert page.status_code == 400


def test_a_reshown_form_keeps_its_order_values_and_ticks(client, campaign):
    html = _form(client, _link(campaign))
    chosen = _value_for(html, "R1", "开凿运河")
    # S1 is required: the form comes back with the error, drawn from the same nonce.
    page = client.post(
        _link(campaign), {"q_R1": chosen, "idempotency_key": _key(html)}
    ).content.decode()
    assert _labels(page, "R1") == _labels(html, "R1")
    assert _values(page, "R1") == _values(html, "R1")
    assert f'value="{chosen}" checked' in page


def test_options_are_shown_in_a_per_respondent_order(client, campaign):
    orders = {tuple(_labels(_form(client, _link(campaign)), "R1")) for _ in range(12)}
    assert len(orders) > 1
    assert all(
        sorted(o) == sorted(["奏免丁钱", "修建长城", "开凿运河"]) for o in orders
    )


def test_the_campaign_can_switch_shuffling_off(client, survey, city):
    campaign = _open(survey, city, shuffle_options=False)
    for _ in range(5):
        html = _form(client, _link(campaign))
        assert _labels(html, "R1") == ["奏免丁钱", "修建长城", "开凿运河"]
        assert len(set(_values(html, "R1")) & {"A", "B", "C"}) == 0


def test_an_identified_draft_comes_back_in_the_same_order_and_values(
    client, city, survey
):
    campaign = _open(survey, city, mode="identified")
    member = make_person("villager", unit=Unit.objects.get(code="YK-GS-01"))
    client.force_login(member)
    url = f"/surveys/{campaign.pk}/"
    first = _form(client, url)
    chosen = _value_for(first, "R1", "修建长城")
    saved = client.post(
        url,
        {"q_R1": chosen, "save": "1", "idempotency_key": str(uuid.uuid4())},
    )
    assert saved.status_code == 302
    resumed = _form(client, url)
    assert _labels(resumed, "R1") == _labels(first, "R1")
    assert f'value="{chosen}" checked' in resumed
    assert (
        Answer.objects.get(response__user=member, question__code="R1").option.code
        == "B"
    )


TRUE_FALSE_AND_PINNED = [
    QuestionSpec(
        "J1",
        "recognition",
        "胡公曾任永康知县。",
        [("T", "对"), ("F", "错")],
        {"T"},
        True,
        "认知",
    ),
    QuestionSpec(
        "P1",
        "recognition",
        "下列哪些属于清廉单元建设内容？",
        [("A", "清廉机关"), ("B", "清廉学校"), ("C", "清廉医院"), ("D", "以上都对")],
        {"D"},
        True,
        "认知",
    ),
]


def test_true_false_keeps_right_before_wrong_and_all_of_the_above_stays_last(
    client, city
):
    survey = survey_create(title="判断与以上都对", questions=TRUE_FALSE_AND_PINNED)
    # "以上都对" is pinned by default when the survey is created.
    assert Option.objects.get(question__code="P1", code="D").pin_last is True
    assert Option.objects.filter(pin_last=True).count() == 1
    campaign = _open(survey, city)
    orders = set()
    for _ in range(12):
        html = _form(client, _link(campaign))
        assert _labels(html, "J1") == ["对", "错"]
        labels = _labels(html, "P1")
        assert labels[-1] == "以上都对"
        orders.add(tuple(labels))
    assert len(orders) > 1


def test_all_of_the_above_labels_pin_by_default():
    assert [
        option_order.label_pins_last(label)
        for label in ("以上都对", "以上都不对。", "以上皆是", "清廉机关", "都对")
    ] == [True, True, True, False, False]


def test_the_test_helper_posts_what_the_form_shows(client, campaign):
    # The helper other tests use computes the same values the page shows.
    key = uuid.uuid4()
    reply = post_answers(client, _link(campaign), {"q_R1": "A", "q_S1": "5"}, key=key)
    assert reply.status_code == 302
