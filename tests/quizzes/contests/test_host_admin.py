"""The host's admin pages: the 知识竞赛 menu entry, the contest list, the create form and
the projector screen, with who may see each."""

from __future__ import annotations

import json

from django.urls import reverse

from quizzes.contests.models import Contest, Phase
from quizzes.contests.selectors import host_state
from quizzes.contests.services import contest_create, player_join
from tests.factories import make_person
from tests.quizzes.conftest import make_question, make_quiz
from units.models import Role, Unit

from .conftest import T0


def _form(**fields):
    data = {
        "title": "廉洁知识竞赛",
        "source": "tag",
        "quiz": "",
        "tag": "竞赛",
        "question_count": "10",
        "answer_seconds": "20",
        "reading_seconds": "5",
        "streak_bonus": "on",
        "late_join_until": "0",
    }
    data.update(fields)
    return data


def test_the_menu_shows_contests_to_hosts_only(client, host, city):
    client.force_login(host)
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    assert reverse("quizzes_admin:contests") in html
    campaign = make_person("cm", role=Role.CAMPAIGN_MANAGER)
    client.force_login(campaign)
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    assert reverse("quizzes_admin:contests") not in html
    assert client.get(reverse("quizzes_admin:contests")).status_code in (302, 403)


def test_the_list_shows_the_hosts_own_contests_and_all_to_administrators(
    client, bank, host, admin_user
):
    other = make_person("other", unit=host.unit, role=Role.EDITOR)
    mine = contest_create(host=host, title="我的竞赛", tag="竞赛")
    contest_create(host=other, title="别人的竞赛", tag="竞赛")
    client.force_login(host)
    response = client.get(reverse("quizzes_admin:contests"))
    assert [c.title for c in response.context["contests"]] == ["我的竞赛"]
    row = response.context["contests"][0]
    assert (row.question_count, row.player_count) == (3, 0)
    assert mine.pin in response.content.decode()
    client.force_login(admin_user)
    response = client.get(reverse("quizzes_admin:contests"))
    assert sorted(c.title for c in response.context["contests"]) == [
        "别人的竞赛",
        "我的竞赛",
    ]


def test_the_list_has_an_empty_state_and_pages_of_twenty(client, bank, host):
    client.force_login(host)
    html = client.get(reverse("quizzes_admin:contests")).content.decode()
    assert "你还没有主持过知识竞赛。" in html
    for i in range(21):
        contest_create(host=host, title=f"第{i:02d}场", tag="竞赛")
    first = client.get(reverse("quizzes_admin:contests"))
    assert len(first.context["contests"]) == 20
    assert first.context["page_obj"].paginator.num_pages == 2
    second = client.get(reverse("quizzes_admin:contests") + "?p=2")
    assert [c.title for c in second.context["contests"]] == ["第00场"]


def test_the_form_shows_how_many_questions_each_source_gives(client, bank, host):
    make_question("JS-09", tags=("八项规定",))
    client.force_login(host)
    form = client.get(reverse("quizzes_admin:contest_new")).context["form"]
    assert list(form.fields["tag"].choices)[1:] == [
        ("八项规定", "八项规定（1 题）"),
        ("竞赛", "竞赛（3 题）"),
    ]


def test_creating_from_a_tag_makes_the_contest_and_opens_the_screen(client, host):
    make_question("JS-01", tags=("竞赛",))
    make_question("JS-02", tags=("竞赛",))
    client.force_login(host)
    response = client.post(
        reverse("quizzes_admin:contest_new"),
        _form(answer_seconds="30", reading_seconds="0", late_join_until="2"),
    )
    contest = Contest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "quizzes_admin:contest_screen", args=[contest.pk]
    )
    assert (contest.host, contest.source_tag, contest.phase) == (host, "竞赛", "lobby")
    assert (contest.answer_seconds, contest.reading_seconds) == (30, 0)
    assert (contest.streak_bonus, contest.late_join_until) == (True, 2)
    assert contest.questions.count() == 2


def test_creating_from_a_quiz_keeps_its_questions(client, bank, host, practice):
    quiz = make_quiz(practice, [bank[1], bank[0]], title="八项规定测验")
    client.force_login(host)
    form = client.get(reverse("quizzes_admin:contest_new")).context["form"]
    assert form.fields["quiz"].label_from_instance(quiz) == "八项规定测验（2 题）"
    client.post(
        reverse("quizzes_admin:contest_new"),
        _form(source="quiz", quiz=str(quiz.pk), tag="", streak_bonus=""),
    )
    contest = Contest.objects.get()
    assert contest.source_quiz_id == quiz.pk and contest.streak_bonus is False
    assert list(contest.questions.values_list("question_code", flat=True)) == [
        "JS-02",
        "JS-01",
    ]


def test_a_source_without_usable_questions_is_refused_with_a_clear_error(
    client, host, practice
):
    make_question("JS-05", tags=("旧题",), status="retired")
    empty = make_quiz(practice, [], title="空测验", slug="empty")
    client.force_login(host)
    response = client.post(
        reverse("quizzes_admin:contest_new"),
        _form(source="quiz", quiz=str(empty.pk), tag=""),
    )
    assert response.status_code == 200
    assert response.context["form"].errors["quiz"] == [
        "所选测验没有可用的题目（启用状态、不限单元类型）。"
    ]
    # A tag whose questions are all retired is not offered at all.
    response = client.post(reverse("quizzes_admin:contest_new"), _form(tag="旧题"))
    assert "tag" in response.context["form"].errors
    assert not Contest.objects.exists()


def test_late_join_beyond_the_last_question_and_missing_fields_are_refused(
    client, bank, host
):
    client.force_login(host)
    response = client.post(
        reverse("quizzes_admin:contest_new"), _form(late_join_until="4")
    )
    assert response.context["form"].errors["late_join_until"] == [
        "迟到加入的题号不能超过题目数（3 题）。"
    ]
    response = client.post(
        reverse("quizzes_admin:contest_new"),
        _form(tag="", answer_seconds="3", title=""),
    )
    errors = response.context["form"].errors
    assert errors["tag"] == ["请选择一个题库标签。"]
    assert "answer_seconds" in errors and "title" in errors
    assert not Contest.objects.exists()


def test_the_screen_shows_pin_qr_and_the_join_address(client, contest, host, settings):
    settings.SITE_BASE_URL = "https://qinglian.example.org"
    client.force_login(host)
    response = client.get(reverse("quizzes_admin:contest_screen", args=[contest.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    join = f"https://qinglian.example.org/contests/join/?pin={contest.pin}"
    assert response.context["join_url"] == join
    assert f"<title>{join}</title>" in html  # the QR code's own title
    assert "<svg" in html and contest.pin in html
    assert "<script>" not in html and "onclick" not in html
    config = json.loads(
        html.split('id="contest-host-config" type="application/json">')[1].split(
            "</script>"
        )[0]
    )
    assert config["socket"] == f"/ws/contests/{contest.pk}/host/"
    assert 'id="contest-host-config"' in html and "contest-host.js" in html


def test_only_the_host_or_an_administrator_opens_the_screen(
    client, contest, admin_user, city
):
    url = reverse("quizzes_admin:contest_screen", args=[contest.pk])
    other = make_person(
        "other", unit=Unit.objects.get(code="YK-JG-01"), role=Role.EDITOR
    )
    client.force_login(other)
    assert client.get(url).status_code == 403
    client.force_login(admin_user)
    assert client.get(url).status_code == 200
    missing = reverse("quizzes_admin:contest_screen", args=[contest.pk + 1000])
    assert client.get(missing).status_code == 404
    learner = make_person("learner", unit=Unit.objects.get(code="YK-GS-01"))
    client.force_login(learner)
    assert client.get(url).status_code != 200


def test_the_host_state_lists_lobby_players_with_ids_for_removal(contest):
    joined = player_join(
        contest=contest, display_name="王五", unit=Unit.objects.get(code="YK-GS-01")
    ).player
    state = host_state(contest=contest, now=T0)
    assert state["phase"] == Phase.LOBBY
    assert state["lobby"] == [{"id": joined.pk, "name": "王五", "unit": "胡库村"}]
    assert state["players"] == 1
