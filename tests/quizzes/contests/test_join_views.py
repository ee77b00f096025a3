"""The phone's pages: the PIN (prefilled from the projector's QR code, validated, limited
per address on the socket's counter), the guest's name and unit from the tree, and the
play page for a logged-in person."""

from __future__ import annotations

import json
import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from quizzes.contests import consumers
from quizzes.contests.services import contest_start
from tests.factories import make_person
from units.models import Unit

JOIN = "/contests/join/"


def _play(contest) -> str:
    return f"/contests/play/{contest.pin}/"


def _other_pin(contest) -> str:
    return "000000" if contest.pin != "000000" else "111111"


def _strings(reply) -> dict:
    found = re.search(
        r'<script id="cp-strings" type="application/json">(.*?)</script>',
        reply.content.decode(),
        re.S,
    )
    return json.loads(found.group(1))


# --- the PIN ------------------------------------------------------------------------


def test_the_join_page_asks_for_the_pin(db):
    assert reverse("quizzes:contest_join") == JOIN
    reply = Client().get(JOIN)
    page = reply.content.decode()
    assert reply.status_code == 200
    assert "输入大屏幕上的 6 位房间码" in page
    assert 'name="pin" id="id_pin" value=""' in page


def test_the_qr_codes_pin_leads_straight_to_the_contest(contest):
    reply = Client().get(JOIN, {"pin": contest.pin})
    assert reply.status_code == 302
    assert reply["Location"] == _play(contest)


def test_spaces_and_full_width_digits_are_read_as_the_pin(contest):
    typed = " ".join(contest.pin).translate(
        str.maketrans("0123456789", "０１２３４５６７８９")
    )
    reply = Client().get(JOIN, {"pin": typed})
    assert reply["Location"] == _play(contest)


@pytest.mark.parametrize("typed", ["12a45", "12345", "1234567"])
def test_a_pin_not_of_six_digits_is_refused_and_kept_in_the_box(db, typed):
    reply = Client().get(JOIN, {"pin": typed})
    page = reply.content.decode()
    assert reply.status_code == 200
    assert "房间码是 6 位数字。" in page
    assert f'value="{typed}"' in page
    assert 'aria-invalid="true"' in page


def test_an_empty_pin_asks_for_one(db):
    page = Client().get(JOIN, {"pin": ""}).content.decode()
    assert "请输入大屏幕上的 6 位房间码。" in page


def test_an_unknown_pin_is_said_so_in_chinese_and_english(contest):
    wrong = _other_pin(contest)
    chinese = Client().get(JOIN, {"pin": wrong}).content.decode()
    # Chinese first: English is the visitor's choice, kept in the language cookie.
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(JOIN, {"pin": wrong}).content.decode()
    assert "没有正在进行的竞赛使用这个房间码，请核对大屏幕。" in chinese
    assert "No contest is running with this room code" in english
    assert f'value="{wrong}"' in chinese


def test_a_finished_contests_pin_is_unknown(contest, host):
    contest.phase = "podium"
    contest.save()
    reply = Client().get(JOIN, {"pin": contest.pin})
    assert reply.status_code == 200
    assert "没有正在进行的竞赛使用这个房间码" in reply.content.decode()


def test_guessing_pins_is_refused_on_the_sockets_counter(contest, monkeypatch):
    monkeypatch.setattr(consumers, "PIN_MISSES", 3)
    client = Client(REMOTE_ADDR="10.9.8.7")
    wrong = _other_pin(contest)
    for _ in range(2):
        client.get(JOIN, {"pin": wrong})
    # The third miss is on the play page's address: the same counter.
    assert client.get(f"/contests/play/{wrong}/").status_code == 404
    assert consumers.pin_guessing("10.9.8.7") is True
    assert consumers.pin_guessing("10.9.8.8") is False
    # Now even the right PIN is refused from this address, on every page.
    refused = client.get(JOIN, {"pin": contest.pin})
    assert refused.status_code == 429
    assert "这台设备尝试了太多错误的房间码，请 10 分钟后再试。" in (
        refused.content.decode()
    )
    assert client.get(_play(contest)).status_code == 429
    assert client.get(_play(contest) + "units/").status_code == 429
    assert (
        Client(REMOTE_ADDR="10.9.8.8").get(JOIN, {"pin": contest.pin}).status_code
        == 302
    )


# --- a guest's name and unit --------------------------------------------------------


def test_a_guest_is_asked_for_a_name_and_a_unit(contest):
    reply = Client().get(_play(contest))
    page = reply.content.decode()
    assert reply.status_code == 200
    assert 'data-mode="form"' in page
    assert 'name="name"' in page and 'name="unit"' in page
    assert 'role="combobox"' in page
    assert f'data-units="{_play(contest)}units/"' in page
    assert f'href="/accounts/login/?next={_play(contest)}"' in page
    assert "登录后参加" in page
    assert f'data-socket="/ws/contests/play/{contest.pin}/"' in page
    assert _strings(reply)["reconnecting"] == "重新连接中…"


def test_a_guest_without_a_name_or_unit_gets_both_messages(contest):
    reply = Client().post(_play(contest), {"name": "  ", "unit": ""})
    page = reply.content.decode()
    assert reply.status_code == 400
    assert "请填写姓名或昵称。" in page
    assert "请从列表中选择所在单元。" in page


def test_a_unit_code_not_in_the_tree_is_refused(contest):
    reply = Client().post(_play(contest), {"name": "张三", "unit": "NOPE"})
    assert reply.status_code == 400
    assert "请从列表中选择所在单元。" in reply.content.decode()
    # The typed name stays for the second try.
    assert 'value="张三"' in reply.content.decode()


def test_a_name_too_long_is_refused(contest):
    reply = Client().post(_play(contest), {"name": "长" * 33, "unit": "YK-GS-01"})
    assert "姓名或昵称最多 32 个字。" in reply.content.decode()


def test_a_guests_name_and_unit_are_kept_for_the_socket(contest):
    client = Client()
    reply = client.post(_play(contest), {"name": " 张  三 ", "unit": "YK-GS-01"})
    assert reply.status_code == 302 and reply["Location"] == _play(contest)
    page = client.get(_play(contest)).content.decode()
    assert 'data-mode="guest"' in page
    assert 'data-name="张 三"' in page
    assert 'data-unit="YK-GS-01"' in page
    assert 'data-label="永康市 › 古山镇 › 胡库村"' in page
    # The form is there (for a void token) but hidden; the play screen shows.
    assert re.search(r'id="cp-guest"[^>]*hidden', page)
    assert not re.search(r'id="cp-screen"[^>]*hidden', page)
    # Another browser is not that guest.
    assert 'data-mode="form"' in Client().get(_play(contest)).content.decode()


def test_a_guest_cannot_join_once_joining_has_closed(contest, host):
    contest_start(contest=contest, user=host)
    client = Client()
    assert "本场竞赛已停止加入。" in client.get(_play(contest)).content.decode()
    reply = client.post(_play(contest), {"name": "迟到", "unit": "YK-GS-01"})
    assert reply.status_code == 400
    assert "本场竞赛已停止加入。" in reply.content.decode()
    assert 'data-mode="form"' in client.get(_play(contest)).content.decode()


def test_an_unknown_pins_play_page_says_so(contest):
    reply = Client().get(f"/contests/play/{_other_pin(contest)}/")
    assert reply.status_code == 404
    assert "没有正在进行的竞赛使用这个房间码" in reply.content.decode()


# --- the unit choices ---------------------------------------------------------------


def test_unit_choices_come_from_the_tree_with_their_path(contest):
    reply = Client().get(_play(contest) + "units/", {"q": "村"})
    assert reply.status_code == 200
    assert reply.json()["results"] == [
        {"code": "YK-GS-01", "name": "胡库村", "path": "永康市 › 古山镇 › 胡库村"},
        {"code": "YK-GS-02", "name": "示范村", "path": "永康市 › 古山镇 › 示范村"},
    ]


def test_a_unit_is_found_by_its_code_too(contest):
    results = Client().get(_play(contest) + "units/", {"q": "YK-JG-01"}).json()
    assert [u["path"] for u in results["results"]] == ["永康市 › 市直机关 › 纪委"]


def test_with_nothing_typed_the_top_of_the_tree_is_offered(contest):
    results = Client().get(_play(contest) + "units/").json()["results"]
    assert [u["code"] for u in results] == ["YK", "YK-GS", "YK-JG"]


def test_nothing_found_is_an_empty_list(contest):
    assert Client().get(_play(contest) + "units/", {"q": "火星"}).json() == {
        "results": []
    }


def test_the_unit_list_needs_a_live_pin(contest):
    reply = Client().get(f"/contests/play/{_other_pin(contest)}/units/", {"q": "村"})
    assert reply.status_code == 404
    assert "results" not in reply.json()


# --- logged in ----------------------------------------------------------------------


def test_a_logged_in_person_plays_under_their_name_and_unit(contest):
    person = make_person("wang", unit=Unit.objects.get(code="YK-GS-02"))
    client = Client()
    client.force_login(person)
    page = client.get(_play(contest)).content.decode()
    assert 'data-mode="user"' in page
    assert 'data-name="姓名wang"' in page
    assert 'data-label="永康市 › 古山镇 › 示范村"' in page
    assert 'id="cp-guest"' not in page
    assert "登录后参加" not in page
