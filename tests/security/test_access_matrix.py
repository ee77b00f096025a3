"""The access matrix, generated from the URL conf, the quiz pages' own routes and the
API schema: every URL pattern is classified below, filled with objects of subtree B (a
unit, a person, a campaign, a survey response, a quiz attempt, a certificate, a
contest) and of subtree A, and opened as every role. A unit manager of one subtree
reads nothing of the other: whatever the status, the other town's unit name and code
and its person's name are never in the body. A pattern missing from the matrix fails
the test, so a new URL has to be classified before it ships.

The admin part walks the admin URL conf with tests/test_admin_reach.py's walker; that
file checks learners, editors and campaign managers against a foreign town, this one
adds the symmetric pair of unit managers and anonymous visitors.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.utils import timezone

from quizzes.certificates import certificate_issue
from quizzes.contests.models import Contest
from quizzes.models import Attempt, AttemptState, QuizIndexPage
from surveys.models import Response
from tests.quizzes.conftest import make_question, make_quiz
from tests.security.conftest import PERSON_NAMES, UNIT_NAMES, unit_link
from tests.test_admin_reach import _urls as admin_urls

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "learner",
    "editor",
    "campaign_manager",
    "unit_manager_A",
    "unit_manager_B",
    "administrator",
]

# What a pattern is, and so what each role may get from it.
PUBLIC = "public"  # anyone; names no object of a subtree
LOGIN = "login"  # the reader's own pages: anonymous visitors are sent to log in
POST = "post"  # a form or beacon target: GET is refused
OWN = "own"  # one person's object (attempt, certificate): nobody else reads it
TOKEN = "token"  # the URL's token is the credential (unit link, certificate, PIN)
API = "api"  # token or session, scoped to the reader's subtree
ADMIN = "admin"  # the Wagtail admin, scoped to the reader's subtree
ROUTE = "route"  # Wagtail's page serving: classified by the page routes below

MATRIX = {
    "wagtaildocs_serve": PUBLIC,
    "wagtaildocs_authenticate_with_password": PUBLIC,
    "set_language": POST,
    "javascript-catalog": PUBLIC,
    "accounts:login": PUBLIC,
    "accounts:logout": POST,
    "accounts:activate": PUBLIC,
    "accounts:profile": LOGIN,
    "accounts:password_change": LOGIN,
    "home:me": LOGIN,
    "home:search": PUBLIC,
    "courses:my_learning": LOGIN,
    "courses:lesson_complete": POST,
    "courses:media_report": POST,
    "courses:my_submissions": LOGIN,
    "courses:story_submit": LOGIN,
    "courses:pending_photo": OWN,
    "quizzes:practice": LOGIN,
    "quizzes:practice_start": POST,
    "quizzes:practice_answer": POST,
    "quizzes:certificate_lookup": PUBLIC,
    "quizzes:certificate_verify": TOKEN,
    "quizzes:contest_join": PUBLIC,
    "quizzes:contest_play": TOKEN,
    "quizzes:contest_units": TOKEN,
    "surveys_api:openapi-json": PUBLIC,
    "surveys_api:api-root": PUBLIC,
    "surveys_api:list_campaigns": API,
    "surveys_api:get_campaign": API,
    "surveys_api:get_scorecard": API,
    "surveys_api:get_distributions": API,
    "surveys:index": PUBLIC,
    "surveys:unit_link": TOKEN,
    "surveys:identified": LOGIN,
    "surveys:code": PUBLIC,
    "surveys:code_answer": PUBLIC,
    "surveys:thanks": PUBLIC,
    "wagtailcore_authenticate_with_password": PUBLIC,
    "wagtailcore_login": PUBLIC,
    "wagtail_serve": ROUTE,
}
# Routes of the quiz page (RoutablePageMixin), served through wagtail_serve.
QUIZ_ROUTES = {
    "index_route": PUBLIC,
    "overview": PUBLIC,
    "start": POST,
    "take": OWN,
    "review": OWN,
    "certificate": OWN,
    "certificate_png": OWN,
}
LOGIN_REDIRECT = re.compile(r"/(accounts|admin)/login/")
# The admin's own pages for people not yet logged in.
ADMIN_PUBLIC = (
    "/admin/login/",
    "/admin/password_reset/",
    "/admin/sprite/",
    "/admin/jsi18n/",
)
REFUSED = (401, 403, 404, 405)


def _patterns(patterns, prefix="", namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
            yield from _patterns(
                pattern.url_patterns, prefix + str(pattern.pattern), ns
            )
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), namespace + (pattern.name or "")


def _site_patterns():
    return [
        (r, n)
        for r, n in _patterns(get_resolver().url_patterns)
        if not r.startswith("admin/")
    ]


def test_every_url_pattern_is_in_the_matrix():
    names = {name for _route, name in _site_patterns()}
    assert names - set(MATRIX) == set(), "classify the new URL in MATRIX"
    assert set(MATRIX) - names == set(), "a classified URL no longer exists"
    from quizzes.models import QuizPage

    routes = {p.name for p in QuizPage.get_subpage_urls()}
    assert routes == set(QUIZ_ROUTES)
    # Every admin pattern is walked: the walker sees the whole admin URL conf.
    admin = [
        r for r, _n in _patterns(get_resolver().url_patterns) if r.startswith("admin/")
    ]
    assert len(admin) > 250


def test_every_api_operation_is_in_the_matrix(client):
    """Each path of the OpenAPI schema resolves to a pattern the matrix calls API (or
    the schema itself): an operation added to surveys/api.py must be classified."""
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    names = {resolve(re.sub(r"\{[^}]+\}", "1", path)).view_name for path in paths}
    assert len(names) == len(paths) == 4
    assert {MATRIX[name] for name in names} == {API}


@pytest.fixture
def objects(towns, site_home):
    """Per subtree: the URL arguments naming its objects."""
    practice = site_home.add_child(
        instance=QuizIndexPage(title="练一练", slug="practice")
    )
    quiz = make_quiz(practice, [make_question("M1")], pass_mark=60)
    ids = {}
    for side in ("A", "B"):
        person = towns["people"][f"person_{side}"]
        attempt = Attempt.objects.create(
            quiz=quiz,
            user=person,
            number=1,
            state=AttemptState.SUBMITTED,
            submitted_at=timezone.now() - timedelta(hours=1),
            question_count=1,
            correct_count=1,
            score=100.0,
            passed=True,
            is_first=True,
        )
        certificate = certificate_issue(attempt=attempt)
        contest = Contest.objects.create(
            title=f"{side}镇知识竞赛",
            host=person,
            pin=f"20260{1 if side == 'A' else 2}",
        )
        campaign = towns["campaign"][side]
        response = Response.objects.filter(campaign=campaign).first()
        ids[side] = {
            "unit": towns["unit"][side],
            "person": person,
            "campaign": campaign,
            "response": response,
            "attempt": attempt,
            "certificate": certificate,
            "contest": contest,
            "quiz": quiz,
            "admin": {
                "pk": [towns["unit"][side].pk, person.pk, contest.pk, response.pk],
                "campaign_id": [campaign.pk],
                "contest_id": [contest.pk],
                "unit_code": [towns["unit"][side].code],
                "file_format": ["svg"],
            },
        }
    return ids


def _site_urls(o):
    """(rule, url) for every public-site and API pattern, filled with one side's objects."""
    quiz, attempt = o["quiz"], o["attempt"]
    campaign = o["campaign"]
    urls = {
        "wagtaildocs_serve": "/documents/999999/none.pdf",
        "wagtaildocs_authenticate_with_password": "/documents/authenticate_with_password/999999/",
        "set_language": "/i18n/setlang/",
        "javascript-catalog": "/jsi18n/",
        "accounts:login": "/accounts/login/",
        "accounts:logout": "/accounts/logout/",
        "accounts:activate": "/accounts/activate/",
        "accounts:profile": "/accounts/profile/",
        "accounts:password_change": "/accounts/password/",
        "home:me": "/me/",
        "home:search": "/search/?q=清廉",
        "courses:my_learning": "/learn/my-learning/",
        "courses:lesson_complete": f"/learn/lessons/{quiz.pk}/complete/",
        "courses:media_report": f"/learn/api/lessons/{quiz.pk}/media/",
        "courses:my_submissions": "/learn/story-submissions/",
        "courses:story_submit": "/learn/story-submissions/new/",
        "courses:pending_photo": "/learn/pending-photos/stories/none.jpg",
        "quizzes:practice": "/practice/daily/",
        "quizzes:practice_start": "/practice/daily/start/",
        "quizzes:practice_answer": "/practice/daily/answer/",
        "quizzes:certificate_lookup": "/practice/certificates/",
        "quizzes:certificate_verify": f"/practice/certificates/{o['certificate'].code}/",
        "quizzes:contest_join": "/contests/join/",
        "quizzes:contest_play": f"/contests/play/{o['contest'].pin}/",
        "quizzes:contest_units": f"/contests/play/{o['contest'].pin}/units/",
        "surveys_api:openapi-json": "/api/v1/openapi.json",
        "surveys_api:api-root": "/api/v1/",
        "surveys_api:list_campaigns": "/api/v1/campaigns",
        "surveys_api:get_campaign": f"/api/v1/campaigns/{campaign.pk}",
        "surveys_api:get_scorecard": f"/api/v1/campaigns/{campaign.pk}/scorecard",
        "surveys_api:get_distributions": f"/api/v1/campaigns/{campaign.pk}/distributions?unit={o['unit'].code}",
        "surveys:index": "/surveys/",
        "surveys:unit_link": unit_link(campaign, o["unit"]),
        "surveys:identified": f"/surveys/{campaign.pk}/",
        "surveys:code": f"/surveys/{campaign.pk}/code/",
        "surveys:code_answer": f"/surveys/{campaign.pk}/code/answer/",
        "surveys:thanks": f"/surveys/{campaign.pk}/thanks/",
        "wagtailcore_authenticate_with_password": "/_util/authenticate_with_password/999999/1/",
        "wagtailcore_login": "/_util/login/",
    }
    assert set(urls) == set(MATRIX) - {"wagtail_serve"}
    for name, url in urls.items():
        yield name, MATRIX[name], url
    base = quiz.url
    routes = {
        "index_route": base,
        "overview": base,
        "start": f"{base}start/",
        "take": f"{base}attempts/{attempt.pk}/",
        "review": f"{base}attempts/{attempt.pk}/review/",
        "certificate": f"{base}attempts/{attempt.pk}/certificate/page/",
        "certificate_png": f"{base}attempts/{attempt.pk}/certificate/",
    }
    for name, url in routes.items():
        yield f"quiz:{name}", QUIZ_ROUTES[name], url


def _markers(side):
    return (UNIT_NAMES[side], f"SC-{side}-1", PERSON_NAMES[side])


def _client(towns, role):
    client = Client(raise_request_exception=False)
    if role != "anonymous":
        client.force_login(towns["people"][role])
    return client


def _check(rule, role, reply, url, owner_side):
    """The matrix: what `role` may get from a `rule` URL naming subtree `owner_side`'s
    objects (the learner, editor and campaign manager belong to subtree A)."""
    status = reply.status_code
    location = reply.get("Location", "")
    problems = []
    if status >= 500:
        problems.append("server error")
    sent_to_login = status == 302 and bool(LOGIN_REDIRECT.search(location))
    if rule == LOGIN and role == "anonymous":
        if not (sent_to_login or status in REFUSED):
            problems.append("anonymous not sent to log in")
    if rule == POST and status not in (302, 403, 405):
        problems.append("GET accepted")
    if rule == OWN and status not in (302, 403, 404, 405):
        problems.append("someone else's object readable")
    if rule == API:
        if role == "anonymous" and status != 401:
            problems.append("API without credentials")
        if role in ("learner", "editor") and status not in (200, 404):
            problems.append("API status")
    if rule == ADMIN and role == "anonymous" and not url.startswith(ADMIN_PUBLIC):
        if not (sent_to_login or status in REFUSED):
            problems.append("admin without login")
    foreign = role == f"unit_manager_{'B' if owner_side == 'A' else 'A'}" or (
        role in ("learner", "editor") and owner_side == "B"
    )
    # A token in the URL is the credential: whoever holds a unit link sees its unit.
    if foreign and rule != TOKEN:
        body = reply.content.decode(errors="replace")
        leaked = [m for m in _markers(owner_side) if m in body]
        if leaked:
            problems.append(f"shows {leaked}")
    return [(role, url, status, p) for p in problems]


@pytest.mark.parametrize("role", ROLES)
def test_site_and_api_matrix(towns, objects, role):
    client = _client(towns, role)
    problems, opened = [], 0
    for side in ("A", "B"):
        for _name, rule, url in _site_urls(objects[side]):
            problems += _check(rule, role, client.get(url), url, side)
            opened += 1
    assert opened == 2 * (len(MATRIX) - 1 + len(QUIZ_ROUTES))
    assert problems == [], "\n".join(map(str, problems))


@pytest.mark.parametrize("role", ["anonymous", "unit_manager_A", "unit_manager_B"])
def test_admin_matrix(towns, objects, role):
    """Every admin URL with the other subtree's objects (anonymous: with B's)."""
    client = _client(towns, role)
    other = "A" if role == "unit_manager_B" else "B"
    problems, opened = [], 0
    for url in admin_urls(objects[other]["admin"]):
        if url == "/admin/failwhale/":  # Wagtail's deliberate error page
            continue
        # No foreign code in the query: a filter echoing it back is no leak.
        reply = client.get(url, {"q": "person"})
        problems += _check(ADMIN, role, reply, url, other)
        opened += 1
    assert opened > 250
    assert problems == [], "\n".join(map(str, problems))


def test_the_matrix_has_teeth(towns, objects):
    """The same URLs do reach the objects: each unit manager sees its own subtree's
    unit through the API and the admin, and the administrator sees both."""
    for side in ("A", "B"):
        own = _client(towns, f"unit_manager_{side}")
        campaign = objects[side]["campaign"]
        reply = own.get(f"/api/v1/campaigns/{campaign.pk}/scorecard")
        assert reply.status_code == 200
        assert f"SC-{side}-1" in reply.content.decode()
        unit = objects[side]["unit"]
        page = own.get(f"/admin/units_unit/inspect/{unit.pk}/")
        assert page.status_code == 200 and UNIT_NAMES[side] in page.content.decode()
        other = "B" if side == "A" else "A"
        assert (
            own.get(f"/api/v1/campaigns/{objects[other]['campaign'].pk}").status_code
            == 404
        )
    admin = _client(towns, "administrator")
    names = admin.get("/admin/units_unit/").content.decode()
    assert UNIT_NAMES["A"] in names and UNIT_NAMES["B"] in names
    holder = _client(towns, "person_B")
    attempt = objects["B"]["attempt"]
    assert (
        holder.get(
            f"{objects['B']['quiz'].url}attempts/{attempt.pk}/review/"
        ).status_code
        == 200
    )
