"""Story photos awaiting moderation are private: outside MEDIA_ROOT, out of other admin
users' image API and chooser, shown to editors only; approval makes them public."""

from __future__ import annotations

import io
import uuid
from importlib import import_module
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.files.images import ImageFile
from django.urls import reverse
from PIL import Image
from wagtail.images import get_image_model
from wagtail.models import (
    Collection,
    CollectionViewRestriction,
    GroupCollectionPermission,
)

from courses import services
from courses.models import StoryPage
from courses.sanitising import check_story_image
from courses.storage import is_pending_photo
from tests.factories import make_person
from units.models import Role, Unit

from .conftest import make_image
from .test_submissions import upload

TEXT = "我家的家训是勤俭持家，爷爷常说：不是自己的东西不要拿。"
ADMIN_API = "/admin/api/main/images/"
CHOOSER = "/admin/images/chooser/results/"


def _files_under(root) -> list[str]:
    root = Path(root)
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def _submit(learner, index):
    submission = services.story_submit(
        user=learner,
        index=index,
        title="家里的合影",
        text=TEXT,
        images=[check_story_image(upload())],
        token=uuid.uuid4(),
    )
    [image] = get_image_model().objects.filter(collection__name="故事投稿")
    return submission, image


def _person(role):
    unit = Unit.objects.get(code="YK-JG-01")
    managed = Unit.objects.get(code="YK") if role == Role.UNIT_MANAGER else None
    return make_person(f"p-{role}", unit=unit, role=role, managed_unit=managed)


def _api_titles(client) -> set[str]:
    response = client.get(ADMIN_API)
    assert response.status_code == 200
    return {item["title"] for item in response.json()["items"]}


def test_a_pending_photo_and_its_renditions_are_outside_media_root(
    client, learning, villager
):
    _, image = _submit(villager, learning["story_index"])
    rendition = image.get_rendition("fill-20x20")
    assert is_pending_photo(image.file.name) and is_pending_photo(rendition.file.name)
    assert _files_under(settings.MEDIA_ROOT) == []
    assert _files_under(settings.PRIVATE_MEDIA_ROOT) == sorted(
        [image.file.name, rendition.file.name]
    )
    assert not image.file.url.startswith(settings.MEDIA_URL)
    assert client.get(image.file.url).status_code == 404
    assert client.get(rendition.url).status_code == 404
    assert client.get(settings.MEDIA_URL + image.file.name).status_code == 404


@pytest.mark.parametrize("role", [Role.UNIT_MANAGER, Role.CAMPAIGN_MANAGER])
def test_unit_and_campaign_managers_cannot_list_or_open_a_pending_photo(
    client, learning, villager, role
):
    _, image = _submit(villager, learning["story_index"])
    make_image("公开图片")
    client.force_login(_person(role))
    assert _api_titles(client) == {"公开图片"}
    assert client.get(f"{ADMIN_API}{image.pk}/").status_code == 404
    assert "家里的合影" not in client.get(CHOOSER).content.decode()
    assert client.get(image.file.url).status_code == 404


def test_a_manager_with_image_rights_on_the_root_still_gets_no_pending_photo_in_the_chooser(
    client, learning, villager
):
    from django.contrib.auth.models import Permission

    _, image = _submit(villager, learning["story_index"])
    manager = _person(Role.CAMPAIGN_MANAGER)
    GroupCollectionPermission.objects.create(
        group=manager.groups.get(),
        collection=Collection.get_first_root_node(),
        permission=Permission.objects.get(codename="choose_image"),
    )
    make_image("公开图片")
    client.force_login(manager)
    chooser = client.get(CHOOSER).content.decode()
    assert "公开图片" in chooser and "家里的合影" not in chooser


def test_an_editor_sees_and_opens_a_pending_photo(client, learning, villager):
    _, image = _submit(villager, learning["story_index"])
    client.force_login(_person(Role.EDITOR))
    assert _api_titles(client) == {"家里的合影（1）"}
    assert "家里的合影（1）" in client.get(CHOOSER).content.decode()
    response = client.get(image.file.url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    rendition = image.get_rendition("fill-20x20")
    assert client.get(rendition.url).status_code == 200


def test_an_administrator_sees_a_pending_photo(client, learning, villager, admin_user):
    _submit(villager, learning["story_index"])
    client.force_login(admin_user)
    assert _api_titles(client) == {"家里的合影（1）"}


def test_approval_makes_the_photos_public(client, learning, villager):
    submission, image = _submit(villager, learning["story_index"])
    image.get_rendition("fill-20x20")
    StoryPage.objects.get(pk=submission.page_id).get_latest_revision().publish()

    image.refresh_from_db()
    assert image.collection.name == "故事投稿（已发布）"
    assert not is_pending_photo(image.file.name)
    assert image.file.url == settings.MEDIA_URL + image.file.name
    assert _files_under(settings.PRIVATE_MEDIA_ROOT) == []
    assert _files_under(settings.MEDIA_ROOT) == [image.file.name]
    with image.file.open("rb") as handle, Image.open(handle) as picture:
        assert picture.size == (40, 30)
    assert image.get_rendition("fill-20x20").url.startswith(settings.MEDIA_URL)
    client.force_login(_person(Role.UNIT_MANAGER))
    assert "家里的合影（1）" in _api_titles(client)


def test_the_pending_photo_view_refuses_other_names(client, learning):
    client.force_login(_person(Role.EDITOR))
    make_image("公开图片")
    url = reverse(
        "courses:pending_photo", kwargs={"name": "original_images/公开图片.png"}
    )
    assert client.get(url).status_code == 404
    sneaky = "images/story-pending-" + "a" * 32 + "/../../../etc/passwd"
    assert (
        client.get(
            reverse("courses:pending_photo", kwargs={"name": sneaky})
        ).status_code
        == 404
    )


def _legacy_photo(title: str, collection: Collection):
    """A story photo as older versions stored it: public name, public file."""
    buffer = io.BytesIO()
    Image.new("RGB", (30, 20), (10, 120, 90)).save(buffer, format="PNG")
    name = f"story-{uuid.uuid4().hex}.png"
    image = get_image_model()(
        title=title, collection=collection, file=ImageFile(buffer, name=name)
    )
    image.save()
    image.get_rendition("fill-10x10")
    return image


def test_a_fresh_install_has_the_private_collection_for_editors(db):
    collection = Collection.objects.get(name="故事投稿")
    restriction = CollectionViewRestriction.objects.get(collection=collection)
    assert [g.name for g in restriction.groups.all()] == ["Editors"]
    assert set(
        GroupCollectionPermission.objects.filter(collection=collection).values_list(
            "group__name", "permission__codename"
        )
    ) == {
        ("Editors", "add_image"),
        ("Editors", "change_image"),
        ("Editors", "choose_image"),
    }


def test_the_migration_makes_pending_legacy_photos_private_and_files_approved_ones(
    learning, villager
):
    # As an older install left it: 故事投稿 open to every image right, no public
    # collection, photos under public names.
    collection = Collection.objects.get(name="故事投稿")
    CollectionViewRestriction.objects.filter(collection=collection).delete()
    GroupCollectionPermission.objects.filter(collection=collection).delete()
    Collection.objects.get(name="故事投稿（已发布）").delete()
    pending = _legacy_photo("待审", collection)
    approved = _legacy_photo("已审", collection)
    # Saved live without publishing, so nothing but the migration moves the photo.
    learning["story_index"].add_child(
        instance=StoryPage(
            title="已发布的投稿",
            slug="approved",
            summary="摘要",
            live=True,
            body=[
                {
                    "type": "image",
                    "value": {
                        "image": approved.pk,
                        "alt_text": "",
                        "caption": "",
                        "attribution": "",
                    },
                }
            ],
        )
    )
    assert len(_files_under(settings.MEDIA_ROOT)) == 4

    migration = import_module("courses.migrations.0003_private_story_photos")
    migration.make_pending_story_photos_private(apps, None)

    pending.refresh_from_db()
    approved.refresh_from_db()
    assert is_pending_photo(pending.file.name) and pending.collection == collection
    assert not pending.renditions.exists()
    assert _files_under(settings.PRIVATE_MEDIA_ROOT) == [pending.file.name]
    assert approved.collection.name == "故事投稿（已发布）"
    assert not is_pending_photo(approved.file.name)
    public = _files_under(settings.MEDIA_ROOT)
    assert approved.file.name in public and len(public) == 2
    restriction = CollectionViewRestriction.objects.get(collection=collection)
    assert [g.name for g in restriction.groups.all()] == ["Editors"]
    assert Collection.objects.filter(name="故事投稿（已发布）").count() == 1
