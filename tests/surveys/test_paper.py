"""Paper questionnaires (docs/metrics.md, paper): blank cells, 多选无效, the template, and the
campaign lock of an import. Survey of the conftest: R1 recognition with one correct
option (single choice), R2 recognition with two (multiple choice), S1 and S2
satisfaction, T1 text; R1 and S1 are required online."""

from __future__ import annotations

import io
import random
import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection, transaction
from openpyxl import Workbook, load_workbook

from surveys import imports
from surveys.imports import paper_import
from surveys.models import Answer, Campaign, Response
from surveys.selectors import item_rates, scorecard_compute
from surveys.services import campaign_lock

pytestmark = pytest.mark.django_db

HEADER = ["unit_code", "R1", "R2", "S1", "S2", "T1"]
TEXTS = [
    "单元编码",
    "胡公为官一任，为百姓做了哪件事？",
    "以下哪些是清廉单元？",
    "您对本单元清廉建设是否满意？",
    "您对办事公开是否满意？",
    "您的建议",
]


def _csv(rows) -> bytes:
    return ("\n".join(",".join(f'"{c}"' for c in r) for r in rows) + "\n").encode()


def _xlsx(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _import(campaign, rows, *, dry_run=False, filename="p.csv"):
    data = _csv(rows) if filename.endswith(".csv") else _xlsx(rows)
    return paper_import(
        campaign=campaign, data=data, filename=filename, dry_run=dry_run
    )


def _chosen(response, code):
    return sorted(
        response.answers.filter(question__code=code).values_list(
            "option__code", flat=True
        )
    )


# --- blank cells and 多选无效 -------------------------------------------------------


def test_a_blank_cell_is_unanswered_even_for_a_question_required_online(campaign):
    report = _import(campaign, [HEADER, ["YK-GS-01", "", "A|B", "", "4", ""]])
    assert report.ok and report.applied, report.errors
    response = Response.objects.get(campaign=campaign)
    assert (response.source, _chosen(response, "R1"), _chosen(response, "S1")) == (
        "paper",
        [],
        [],
    )
    assert _chosen(response, "R2") == ["A", "B"]
    assert report.notes == []


@pytest.mark.parametrize(
    "cell", ["A|B", "A,B", "A，B", "AB", "ab", "A、B", "A B", "奏免丁钱|修建长城"]
)
def test_several_marks_on_a_single_choice_item_are_stored_as_unanswered(campaign, cell):
    report = _import(campaign, [HEADER, ["YK-GS-01", cell, "A|B", "5", "4", "好"]])
    assert report.ok and report.applied, report.errors
    response = Response.objects.get(campaign=campaign)
    assert _chosen(response, "R1") == []
    assert _chosen(response, "R2") == ["A", "B"]
    assert _chosen(response, "S1") == ["5"]
    assert report.notes == ["多选无效（单选题选了多项，按未作答计）共 1 处：R1 1 处。"]
    assert report.preview[0]["invalid"] == "R1"


def test_the_same_option_written_twice_is_one_mark(campaign):
    report = _import(campaign, [HEADER, ["YK-GS-01", "AA", "A|A|B", "5|5", "", ""]])
    assert report.ok, report.errors
    response = Response.objects.get(campaign=campaign)
    assert (_chosen(response, "R1"), _chosen(response, "R2")) == (["A"], ["A", "B"])
    assert _chosen(response, "S1") == ["5"]
    assert report.notes == []


@pytest.mark.parametrize(
    "cell", ["A|B", "AB", "A,B", "A、B", "B A", "清廉机关|清廉学校"]
)
def test_multiple_choice_accepts_every_way_of_writing_several_marks(campaign, cell):
    report = _import(campaign, [HEADER, ["YK-GS-01", "A", cell, "5", "", ""]])
    assert report.ok, report.errors
    assert _chosen(Response.objects.get(campaign=campaign), "R2") == ["A", "B"]


def test_two_satisfaction_levels_are_invalid_and_outside_the_satisfaction_base(
    campaign,
):
    report = _import(
        campaign,
        [HEADER, ["YK-GS-01", "A", "A|B", "54", "4", ""]]
        + [["YK-GS-01", "A", "A|B", "5", "4", ""]],
    )
    assert report.ok, report.errors
    assert report.notes == ["多选无效（单选题选了多项，按未作答计）共 1 处：S1 1 处。"]
    row = next(
        r
        for r in scorecard_compute(campaign=campaign)["units"]
        if r["unit_code"] == "YK"
    )
    # Three satisfaction answers (S1 of the second paper, S2 of both), all positive.
    assert row["satisfaction_rate"] == 1.0
    assert Answer.objects.filter(question__code="S1").count() == 1


def test_an_invalid_answer_is_not_correct_and_outside_the_item_answer_count(campaign):
    rows = [HEADER]
    rows += [["YK-GS-01", "A", "A|B", "5", "", ""]] * 3  # recognising
    rows += [["YK-GS-01", "AB", "A|B", "5", "", ""]] * 2  # R1 多选无效
    rows += [["YK-GS-01", "B", "A|B", "5", "", ""]]  # R1 wrong
    report = _import(campaign, rows)
    assert report.ok, report.errors
    assert report.notes == ["多选无效（单选题选了多项，按未作答计）共 2 处：R1 2 处。"]
    items = {i["code"]: i for i in item_rates(campaign=campaign)}
    assert (items["R1"]["answered"], items["R1"]["correct"]) == (4, 3)
    assert (items["R2"]["answered"], items["R2"]["correct"]) == (6, 6)
    row = next(
        r
        for r in scorecard_compute(campaign=campaign)["units"]
        if r["unit_code"] == "YK-GS-01"
    )
    # Six respondents; only the three with R1 right recognise (threshold 0.8 of 2).
    assert (row["respondents"], row["recognising"]) == (6, 3)


def test_invalid_marks_are_counted_per_question(campaign):
    rows = [HEADER]
    rows += [["YK-GS-01", "AB", "A", "54", "", ""]] * 2
    rows += [["YK-GS-02", "A", "A", "5", "3|2", ""]]
    rows += [["YK-JG-01", "B|C", "A", "", "", ""]]
    report = _import(campaign, rows, dry_run=True)
    assert report.ok and not report.applied
    assert report.notes == [
        "多选无效（单选题选了多项，按未作答计）共 6 处：R1 3 处、S1 2 处、S2 1 处。"
    ]
    assert [p["invalid"] for p in report.preview] == ["R1、S1", "R1、S1", "S2", "R1"]
    assert not Response.objects.exists()


def test_a_paper_file_with_many_blank_and_double_marked_cells_imports_whole(campaign):
    rng = random.Random(8)
    rows, double = [HEADER], 0
    for _ in range(400):
        r1 = rng.choice(["", "", "A", "B", "AB", "A,C"])
        double += r1 in ("AB", "A,C")
        rows.append(
            [
                rng.choice(["YK-GS-01", "YK-GS-02", "YK-JG-01"]),
                r1,
                rng.choice(["", "A", "AB", "A|B|C"]),
                rng.choice(["", "5", "3", "0"]),
                "",
                rng.choice(["", "很好"]),
            ]
        )
    report = _import(campaign, rows, filename="p.xlsx")
    assert report.ok and report.applied, report.errors[:3]
    assert Response.objects.filter(campaign=campaign, source="paper").count() == 400
    assert report.notes == [
        f"多选无效（单选题选了多项，按未作答计）共 {double} 处：R1 {double} 处。"
    ]
    stored_r1 = Answer.objects.filter(question__code="R1").count()
    assert stored_r1 == sum(1 for r in rows[1:] if r[1] in ("A", "B"))


def test_an_unknown_value_still_rejects_a_file_with_many_invalid_cells(campaign):
    rows = [HEADER] + [["YK-GS-01", "AB", "", "", "", ""]] * 50
    rows.append(["YK-GS-02", "甲", "", "", "", ""])
    report = _import(campaign, rows)
    assert [str(e) for e in report.errors] == [
        "第 52 行（R1）：没有这个选项：甲（可选：A 奏免丁钱、B 修建长城、C 开凿运河）。"
    ]
    assert report.notes == []
    assert not Response.objects.exists()


def test_import_command_prints_the_invalid_counts(campaign, tmp_path):
    path = tmp_path / "paper.csv"
    path.write_bytes(_csv([HEADER, ["YK-GS-01", "AB", "A", "5", "", ""]]))
    out = io.StringIO()
    call_command("import_responses", str(campaign.pk), str(path), stdout=out)
    assert out.getvalue().splitlines() == [
        "导入完成：1 份答卷 / 1 response(s)",
        "多选无效（单选题选了多项，按未作答计）共 1 处：R1 1 处。",
    ]
    assert Response.objects.count() == 1


# --- the template's second header row ----------------------------------------------


@pytest.mark.parametrize(
    "second",
    [TEXTS, ["", *TEXTS[1:]], ["题目", "'" + TEXTS[1], "", "", "", ""]],
    ids=["with-marker", "texts-only", "one-text"],
)
@pytest.mark.parametrize("filename", ["p.csv", "p.xlsx"])
def test_the_question_text_row_is_skipped(campaign, second, filename):
    data = [["YK-GS-01", "A", "A|B", "5", "", ""], ["YK-JG-01", "B", "", "3", "", ""]]
    report = _import(campaign, [HEADER, second, *data], filename=filename)
    assert report.ok, report.errors
    assert [p["row"] for p in report.preview] == [3, 4]
    assert Response.objects.filter(campaign=campaign).count() == 2


def test_a_file_without_the_text_row_imports_alike(campaign):
    report = _import(
        campaign, [HEADER, ["YK-GS-01", "A", "A|B", "5", "", ""]], filename="p.xlsx"
    )
    assert report.ok, report.errors
    assert [p["row"] for p in report.preview] == [2]
    assert Response.objects.count() == 1


def test_a_text_row_further_down_is_an_error(campaign):
    report = _import(campaign, [HEADER, ["YK-GS-01", "A", "", "5", "", ""], TEXTS])
    assert [str(e) for e in report.errors][
        0
    ] == "第 3 行（unit_code）：未知的单元编码“单元编码”。"
    assert not Response.objects.exists()


# --- the template download ------------------------------------------------------------


def _template(client, campaign):
    return client.get(f"/admin/surveys/campaigns/{campaign.pk}/paper-template.xlsx")


def test_paper_template_has_codes_then_texts_and_no_data_row(
    client, admin_user, campaign
):
    client.force_login(admin_user)
    reply = _template(client, campaign)
    assert reply.status_code == 200
    assert reply["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    # RFC 6266: an ASCII fallback and the Chinese name in filename*.
    assert reply["Content-Disposition"] == (
        "attachment; filename*=utf-8''%E7%BA%B8%E8%B4%A8%E9%97%AE%E5%8D%B7%E6%A8%A1"
        "%E6%9D%BF-2026%20%E6%B8%85%E5%BB%89%E6%B5%8B%E8%AF%84.xlsx"
    )
    book = load_workbook(io.BytesIO(reply.content))
    sheet = book.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows == [tuple(HEADER), tuple(TEXTS)]
    units = [r[0] for r in book.worksheets[2].iter_rows(min_row=2, values_only=True)]
    assert units == ["YK", "YK-GS", "YK-GS-01", "YK-GS-02", "YK-JG", "YK-JG-01"]
    # Imported untouched, the template has nothing to import.
    report = paper_import(
        campaign=campaign, data=reply.content, filename="t.xlsx", dry_run=False
    )
    assert [str(e) for e in report.errors] == ["文件：文件中没有数据行。"]


def test_a_filled_in_template_imports(client, admin_user, campaign):
    client.force_login(admin_user)
    book = load_workbook(io.BytesIO(_template(client, campaign).content))
    book.worksheets[0].append(["YK-GS-01", "A", "AB", "5", "4", "建议多公开"])
    book.worksheets[0].append(["YK-GS-02", "A,B", "", "", "", ""])
    buffer = io.BytesIO()
    book.save(buffer)
    report = paper_import(
        campaign=campaign, data=buffer.getvalue(), filename="t.xlsx", dry_run=False
    )
    assert report.ok and report.applied, report.errors
    assert [p["row"] for p in report.preview] == [3, 4]
    assert Response.objects.count() == 2
    assert Answer.objects.get(question__code="T1").text == "建议多公开"


def test_paper_template_is_for_campaign_managers_only(client, campaign):
    from tests.factories import make_person
    from units.models import Role, Unit

    town = Unit.objects.get(code="YK-GS")
    client.force_login(
        make_person("zz", unit=town, role=Role.UNIT_MANAGER, managed_unit=town)
    )
    # Wagtail turns PermissionDenied into a redirect to the dashboard.
    reply = _template(client, campaign)
    assert (reply.status_code, reply["Location"]) == (302, "/admin/")
    client.force_login(make_person("cm", unit=town, role=Role.CAMPAIGN_MANAGER))
    assert _template(client, campaign).status_code == 200


def test_the_import_page_links_the_template(client, admin_user, campaign):
    client.force_login(admin_user)
    page = client.get(f"/admin/surveys/campaigns/{campaign.pk}/import/")
    assert (
        f'href="/admin/surveys/campaigns/{campaign.pk}/paper-template.xlsx"'
        in page.content.decode()
    )


def test_the_admin_preview_and_confirmation_show_the_invalid_counts(
    client, admin_user, campaign
):
    client.force_login(admin_user)
    url = f"/admin/surveys/campaigns/{campaign.pk}/import/"
    upload = SimpleUploadedFile(
        "p.csv", _csv([HEADER, TEXTS, ["YK-GS-01", "AB", "A", "5", "", ""]])
    )
    preview = client.post(url, {"file": upload}).content.decode()
    note = "多选无效（单选题选了多项，按未作答计）共 1 处：R1 1 处。"
    assert note in preview
    assert not Response.objects.exists()
    token = preview.split('name="token" value="')[1].split('"')[0]
    done = client.post(url, {"token": token}, follow=True).content.decode()
    assert f"导入完成：新增 1，更新 0，未变 0，错误 0；{note}" in done
    assert Response.objects.count() == 1


# --- the campaign lock ----------------------------------------------------------------


def test_an_import_finding_the_campaign_closed_when_writing_writes_nothing(
    campaign, monkeypatch
):
    checked = imports.ResponseImporter.validate

    def validate_then_close(self, table, report):
        plan = checked(self, table, report)
        # Closed by someone else after the file was checked, before it is written.
        Campaign.objects.filter(pk=campaign.pk).update(state="closed")
        return plan

    monkeypatch.setattr(imports.ResponseImporter, "validate", validate_then_close)
    report = _import(campaign, [HEADER, ["YK-GS-01", "A", "A|B", "5", "", ""]])
    assert [str(e) for e in report.errors] == ["文件：只能向进行中的测评活动导入答卷。"]
    assert not report.applied
    assert not Response.objects.exists() and not Answer.objects.exists()


postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks need PostgreSQL"
)


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_an_import_waiting_on_closing_is_refused_and_writes_nothing(campaign):
    """Closing holds FOR UPDATE; the import's FOR SHARE waits for it, then finds the
    campaign closed. Without the lock the import, checked while still open, would
    land in a closed campaign."""
    locked, release = threading.Event(), threading.Event()

    def close():
        try:
            with transaction.atomic():
                campaign_lock(campaign_id=campaign.pk, exclusive=True)
                Campaign.objects.filter(pk=campaign.pk).update(state="closed")
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    closer = threading.Thread(target=close)
    closer.start()
    assert locked.wait(10)
    outcome = {}

    def run_import():
        try:
            outcome["report"] = _import(
                campaign, [HEADER, ["YK-GS-01", "A", "A|B", "5", "", ""]]
            )
        finally:
            connection.close()

    importer = threading.Thread(target=run_import)
    # The importer's check already ran (the campaign looked open) when it reaches the
    # lock: make it validate before closing commits by starting it now.
    importer.start()
    importer.join(1.5)
    assert importer.is_alive(), "the import should wait for the closing transaction"
    release.set()
    closer.join(10)
    importer.join(10)
    assert [str(e) for e in outcome["report"].errors] == [
        "文件：只能向进行中的测评活动导入答卷。"
    ]
    assert not Response.objects.filter(campaign=campaign).exists()


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_closing_waits_for_an_import_in_flight_and_freezes_its_responses(campaign):
    from surveys.services import campaign_close

    written, release = threading.Event(), threading.Event()

    def run_import():
        try:
            with transaction.atomic():
                report = _import(
                    campaign, [HEADER, *[["YK-GS-01", "A", "A|B", "5", "", ""]] * 3]
                )
                assert report.applied, report.errors
                written.set()
                release.wait(10)
        finally:
            connection.close()

    def close():
        try:
            campaign_close(campaign=Campaign.objects.get(pk=campaign.pk))
        finally:
            connection.close()

    importer = threading.Thread(target=run_import)
    importer.start()
    assert written.wait(20)
    closer = threading.Thread(target=close)
    closer.start()
    closer.join(1.5)
    assert closer.is_alive(), "closing should wait for the import's shared lock"
    release.set()
    importer.join(10)
    closer.join(20)
    frozen = Campaign.objects.get(pk=campaign.pk).frozen_scorecard
    root = next(r for r in frozen["units"] if r["unit_code"] == "YK")
    assert root["participants"] == 3
