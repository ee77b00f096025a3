"""Unit files over UNIT_IMPORT_BACKGROUND_ROWS rows are checked and written by the
background worker (django-tasks' database backend): the admin page shows a progress bar
fed by a JSON status, then the usual preview and confirm button, then the result; a
second confirmation changes nothing."""

import io
from unittest import mock

import pytest
from django.core.management import call_command
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from tests.factories import make_person
from units.models import Role, Unit, UnitImportJob

pytestmark = pytest.mark.django_db

URL = "/admin/units/import/"


@pytest.fixture(autouse=True)
def _small_threshold(settings):
    settings.UNIT_IMPORT_BACKGROUND_ROWS = 5


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def units_csv(count, *, bad_row=None):
    lines = ["code,name,kind,parent_code,headcount", "BG,后台市,其他,,0"]
    for n in range(count - 1):
        kind = "不存在" if n == bad_row else "村居"
        lines.append(f"BG-{n:03d},村{n},{kind},BG,{n}")
    data = io.BytesIO("\n".join(lines).encode())
    data.name = "big.csv"
    return data


def run_worker():
    # The worker's own command, in this process. It closes stale connections between
    # tasks, which would close the test's own connection (inside its transaction).
    with mock.patch(
        "django_tasks_db.management.commands.db_worker.close_old_connections"
    ):
        _run_worker()


def _run_worker():
    call_command(
        "db_worker",
        "--batch",
        "--backend",
        "background",
        "--no-startup-delay",
        "--no-reload",
        verbosity=0,
    )


def upload(client, count, **kwargs):
    return client.post(URL, {"file": units_csv(count, **kwargs)})


def job_url(job):
    return f"{URL}?job={job.pk}"


def status(client, job):
    return client.get(reverse("units_admin:unit_import_job", args=[job.pk])).json()


def test_a_large_file_goes_to_the_worker_and_the_page_shows_progress(
    admin_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        reply = upload(admin_client, 12)
    job = UnitImportJob.objects.get()
    assert reply.status_code == 302 and reply["Location"] == job_url(job)
    assert DBTaskResult.objects.filter(status="READY").count() == 1
    assert status(admin_client, job) == {
        "state": "checking",
        "finished": False,
        "done": 0,
        "total": 12,
        "indeterminate": True,
        "label": "正在读取文件…",
    }
    html = admin_client.get(job_url(job)).content.decode()
    assert '<progress class="import-progress__bar"' in html
    assert 'max="12" data-import-progress' in html
    assert 'role="status"' in html
    assert "units/import_progress.js" in html
    assert "<script>" not in html.split("import-progress")[1].split("</section>")[0]
    assert Unit.objects.filter(code__startswith="BG").count() == 0


def test_after_the_check_the_page_shows_the_preview_and_confirm_writes(
    admin_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        upload(admin_client, 12)
    job = UnitImportJob.objects.get()
    run_worker()
    assert status(admin_client, job)["state"] == "checked"
    html = admin_client.get(job_url(job)).content.decode()
    assert "将新增 12 条，更新 0 条，0 条不变。" in html
    assert f'name="token" value="{job.pk}"' in html
    assert Unit.objects.filter(code__startswith="BG").count() == 0

    with django_capture_on_commit_callbacks(execute=True):
        reply = admin_client.post(job_url(job), {"token": str(job.pk)})
    assert reply["Location"] == job_url(job)
    assert status(admin_client, job)["state"] == "writing"
    run_worker()
    assert status(admin_client, job)["finished"] is True
    reply = admin_client.get(job_url(job), follow=True)
    assert "导入完成：新增 12，更新 0，未变 0，错误 0" in reply.content.decode()
    assert Unit.objects.filter(code__startswith="BG").count() == 12
    assert Unit.find_problems() == ([], [], [], [], [])


def test_confirming_twice_writes_once(admin_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        upload(admin_client, 12)
    job = UnitImportJob.objects.get()
    run_worker()
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(job_url(job), {"token": str(job.pk)})
        second = admin_client.post(job_url(job), {"token": str(job.pk)}, follow=True)
    assert "该文件已确认导入，无需再次确认。" in second.content.decode()
    assert DBTaskResult.objects.filter(status="READY").count() == 1
    run_worker()
    assert Unit.objects.filter(code__startswith="BG").count() == 12


def test_a_file_with_errors_shows_them_and_cannot_be_confirmed(
    admin_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        upload(admin_client, 12, bad_row=3)
    job = UnitImportJob.objects.get()
    run_worker()
    html = admin_client.get(job_url(job)).content.decode()
    assert "未知的单元类型“不存在”" in html
    assert 'name="token"' not in html
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(job_url(job), {"token": str(job.pk)})
    assert DBTaskResult.objects.filter(status="READY").count() == 0
    assert Unit.objects.filter(code__startswith="BG").count() == 0


def test_a_small_file_is_still_checked_in_the_request(admin_client):
    reply = upload(admin_client, 5)
    assert reply.status_code == 200
    assert "将新增 5 条" in reply.content.decode()
    assert UnitImportJob.objects.count() == 0


def test_another_person_cannot_follow_someone_elses_job(
    client, admin_user, django_capture_on_commit_callbacks
):
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, 12)
    job = UnitImportJob.objects.get()
    other = make_person(
        "root2", unit=Unit.objects.get(code="YK-JG-01"), role=Role.ADMINISTRATOR
    )
    client.force_login(other)
    assert client.get(job_url(job)).status_code == 404
    url = reverse("units_admin:unit_import_job", args=[job.pk])
    assert client.get(url).status_code == 404
