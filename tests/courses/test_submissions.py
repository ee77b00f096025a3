"""Story collection: sanitising, image checks, moderation workflow and status."""

from __future__ import annotations

import io
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image
from wagtail.images import get_image_model
from wagtail.models import WorkflowState

from courses import sanitising, selectors, services
from courses.models import StoryPage, StorySubmission
from courses.sanitising import check_story_image, sanitise_story_html


def upload(name="photo.png", size=(40, 30), fmt="PNG") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format=fmt)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def test_plain_text_becomes_escaped_paragraphs():
    assert sanitise_story_html("第一段 <不是标签>\n\n第二段") == (
        "<p>第一段 &lt;不是标签&gt;</p><p>第二段</p>"
    )


def test_html_is_reduced_to_simple_tags_without_attributes_or_scripts():
    dirty = (
        '<p onclick="x()">家训<script>alert(1)</script><b style="color:red">勤</b>'
        '<a href="javascript:alert(1)">链接</a><img src=x onerror=alert(1)></p>'
    )
    assert sanitise_story_html(dirty) == "<p>家训<b>勤</b>链接</p>"


def test_a_real_small_image_passes_the_checks():
    checked = check_story_image(upload())
    assert (checked.format, checked.width, checked.height) == ("PNG", 40, 30)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: SimpleUploadedFile("a.png", b"not an image"), "不是可识别的图片文件"),
        (lambda: upload("a.gif", fmt="GIF"), "只接受 JPG、PNG 或 WebP"),
        (lambda: upload("a.jpg"), "扩展名须与内容一致"),  # PNG content named .jpg
    ],
)
def test_bad_images_are_refused_with_a_clear_message(make, message):
    with pytest.raises(ValidationError) as error:
        check_story_image(make())
    assert message in error.value.messages[0]


def test_too_large_files_are_refused(monkeypatch):
    monkeypatch.setattr(sanitising, "MAX_IMAGE_BYTES", 100)
    with pytest.raises(ValidationError, match="超过 5 MB"):
        check_story_image(upload(size=(200, 200)))


def test_too_many_pixels_are_refused_before_decoding(monkeypatch):
    monkeypatch.setattr(sanitising, "MAX_IMAGE_PIXELS", 1000)
    with pytest.raises(ValidationError, match="像素过多"):
        check_story_image(upload(size=(50, 50)))


def test_decompression_bombs_are_refused(monkeypatch):
    # Pillow's own guard: beyond its limit the header alone raises.
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)
    with pytest.raises(ValidationError, match="不是可识别的图片文件"):
        check_story_image(upload(size=(50, 50)))


def _submit(user, index, token=None, images=()):
    return services.story_submit(
        user=user,
        index=index,
        title="我家的家训",
        text="不是自己的东西，一针一线也不拿。",
        images=[check_story_image(i) for i in images],
        token=token or uuid.uuid4(),
        place="胡库村",
    )


def test_submission_creates_a_draft_story_in_moderation(learning, villager):
    submission = _submit(
        villager, learning["story_index"], images=[upload(), upload("b.png")]
    )
    page = StoryPage.objects.get(pk=submission.page_id)
    assert (page.live, page.owner, page.place) == (False, villager, "胡库村")
    assert page.get_parent().specific == learning["story_index"]
    assert [b.block_type for b in page.body] == ["rich_text", "image", "image"]
    assert str(page.body[0].value) == "<p>不是自己的东西，一针一线也不拿。</p>"
    state = WorkflowState.objects.get(object_id=str(page.pk))
    assert state.status == WorkflowState.STATUS_IN_PROGRESS
    assert state.requested_by == villager
    assert get_image_model().objects.filter(collection__name="故事投稿").count() == 2


def test_two_learners_may_submit_stories_with_the_same_title(
    learning, villager, official
):
    first = _submit(villager, learning["story_index"])
    second = _submit(official, learning["story_index"])
    assert first.page.title == second.page.title == "我家的家训"
    assert first.page.slug != second.page.slug


def test_a_double_submitted_form_makes_one_story(learning, villager):
    token = uuid.uuid4()
    first = _submit(villager, learning["story_index"], token=token)
    second = _submit(villager, learning["story_index"], token=token)
    assert first.pk == second.pk
    assert StorySubmission.objects.count() == 1
    assert StoryPage.objects.filter(live=False).count() == 1


def test_submitters_see_the_status_of_their_submissions(learning, villager, admin_user):
    submission = _submit(villager, learning["story_index"])
    [row] = selectors.submission_list(user=villager)
    assert row.status == "in_review"

    state = WorkflowState.objects.get(object_id=str(submission.page_id))
    state.current_task_state.task.specific.on_action(
        state.current_task_state, admin_user, "reject"
    )
    [row] = selectors.submission_list(user=villager)
    assert row.status == "needs_changes"

    page = StoryPage.objects.get(pk=submission.page_id)
    page.get_latest_revision().publish()
    [row] = selectors.submission_list(user=villager)
    assert row.status == "published"
    assert list(selectors.submission_list(user=admin_user)) == []


def test_submission_form_end_to_end(client, learning, villager):
    client.force_login(villager)
    form_page = client.get(reverse("courses:story_submit"))
    token = form_page.context["form"].initial["token"]
    data = {
        "token": token,
        "title": "奶奶的三句话",
        "place": "",
        "text": "奶奶常说：不是自己的不要拿，答应别人的要做到，吃饭不要剩。",
        "images": [upload()],
    }
    response = client.post(reverse("courses:story_submit"), data, follow=True)
    body = response.content.decode()
    assert "投稿已提交" in body and "奶奶的三句话" in body and "审核中" in body
    client.post(reverse("courses:story_submit"), {**data, "images": [upload()]})
    assert StorySubmission.objects.filter(user=villager).count() == 1


def test_submission_form_reports_every_bad_image_and_writes_nothing(
    client, learning, villager
):
    client.force_login(villager)
    data = {
        "token": uuid.uuid4(),
        "title": "标题",
        "text": "足够长的一段正文，讲讲我家的家风家训故事。",
        "images": [SimpleUploadedFile("x.png", b"junk"), upload("y.gif", fmt="GIF")],
    }
    response = client.post(reverse("courses:story_submit"), data)
    errors = response.context["form"].errors["images"]
    assert "“x.png”不是可识别的图片文件。" in errors
    assert any("y.gif" in e for e in errors)
    assert StorySubmission.objects.count() == 0
    assert StoryPage.objects.filter(live=False).count() == 0


def test_at_most_six_images(client, learning, villager):
    client.force_login(villager)
    data = {
        "token": uuid.uuid4(),
        "title": "标题",
        "text": "足够长的一段正文，讲讲我家的家风家训故事。",
        "images": [upload(f"{n}.png") for n in range(7)],
    }
    response = client.post(reverse("courses:story_submit"), data)
    assert response.context["form"].errors["images"] == ["最多上传 6 张图片。"]


def test_submitting_requires_login(client, learning):
    response = client.get(reverse("courses:story_submit"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_submitted_photos_lose_their_metadata_and_camera_file_name(learning, villager):
    exif = Image.Exif()
    # Camera make and model stand in for any EXIF field (GPS is stored the same way).
    exif[0x010F] = "PhoneMaker"
    exif[0x0110] = "Model X"
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 120, 60)).save(buffer, format="JPEG", exif=exif)
    photo = SimpleUploadedFile("IMG_20260101_home.jpg", buffer.getvalue())
    with Image.open(io.BytesIO(buffer.getvalue())) as original:
        assert original.getexif()  # the upload really carries EXIF
    services.story_submit(
        user=villager,
        index=learning["story_index"],
        title="家里的合影",
        text="一家人。",
        images=[check_story_image(photo)],
        token=uuid.uuid4(),
    )
    stored = get_image_model().objects.get(title="家里的合影（1）")
    assert "IMG_20260101" not in stored.file.name
    with stored.file.open("rb") as handle, Image.open(handle) as image:
        assert not image.getexif()
        assert image.size == (40, 30)
