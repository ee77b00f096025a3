"""Story photos awaiting moderation become private (issue: photos were listed by the
admin image API to every admin user and downloadable from /media/ without login).

- The collection 故事投稿 gets a view restriction to the Editors group (Wagtail's admin
  image API skips restricted collections) and the Editors' image permissions of its own;
  administrators pass every check. 故事投稿（已发布） is created for approved photos.
- A photo in 故事投稿 used by a live story (body or cover) was approved: it moves to
  故事投稿（已发布）, its file stays public.
- Every other photo there is still pending: its file is renamed to story-pending-…,
  which courses.storage keeps in PRIVATE_MEDIA_ROOT, and its renditions (public files
  too) are deleted; Wagtail makes them again, privately, when an editor looks.

Names are frozen here rather than imported, so the migration keeps doing what it did
when it was written.
"""

import re
import uuid
from pathlib import PurePosixPath

from django.core.files.storage import default_storage
from django.db import migrations

PENDING_COLLECTION = "故事投稿"
PUBLISHED_COLLECTION = "故事投稿（已发布）"
EDITORS_GROUP = "Editors"
EDITOR_IMAGE_PERMISSIONS = ("add_image", "change_image", "choose_image")
PENDING_PREFIX = "story-pending-"
STORY_NAME = re.compile(r"^story-([0-9a-f]{32}.*)$")
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
STEPLEN = 4


def _step(number):
    digits = ""
    while number:
        number, remainder = divmod(number, len(ALPHABET))
        digits = ALPHABET[remainder] + digits
    return digits.rjust(STEPLEN, "0")


def _collection(Collection, name):
    """Get or create a child of the root collection (historical models have no
    treebeard methods, so the path is computed as treebeard would)."""
    existing = Collection.objects.filter(name=name).first()
    if existing is not None:
        return existing
    root = Collection.objects.get(depth=1)
    last = (
        Collection.objects.filter(depth=2, path__startswith=root.path)
        .order_by("-path")
        .values_list("path", flat=True)
        .first()
    )
    number = int(last[-STEPLEN:], len(ALPHABET)) + 1 if last else 1
    collection = Collection.objects.create(
        name=name, path=root.path + _step(number), depth=2, numchild=0
    )
    Collection.objects.filter(pk=root.pk).update(numchild=root.numchild + 1)
    return collection


def _restrict_to_editors(apps, collection):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    Restriction = apps.get_model("wagtailcore", "CollectionViewRestriction")
    GroupCollectionPermission = apps.get_model("wagtailcore", "GroupCollectionPermission")
    restriction = Restriction.objects.filter(collection=collection).first()
    if restriction is None:
        restriction = Restriction.objects.create(
            collection=collection, restriction_type="groups", password=""
        )
    editors = Group.objects.filter(name=EDITORS_GROUP).first()
    if editors is None:
        return
    restriction.groups.add(editors)
    for permission in Permission.objects.filter(
        content_type__app_label="wagtailimages", codename__in=EDITOR_IMAGE_PERMISSIONS
    ):
        GroupCollectionPermission.objects.get_or_create(
            group=editors, collection=collection, permission=permission
        )


def _live_story_image_ids(StoryPage):
    ids = set()
    for page in StoryPage.objects.filter(live=True):
        ids.add(page.cover_id)
        for block in page.body.raw_data:
            if block.get("type") == "image":
                ids.add((block.get("value") or {}).get("image"))
    return ids - {None}


def _pending_name(name):
    path = PurePosixPath(name)
    match = STORY_NAME.match(path.name)
    tail = match.group(1) if match else f"{uuid.uuid4().hex}{path.suffix}"
    return str(path.with_name(PENDING_PREFIX + tail))


def _make_private(Image, Rendition, image):
    for rendition in Rendition.objects.filter(image_id=image.pk):
        if rendition.file.name:
            default_storage.delete(rendition.file.name)
        rendition.delete()
    old_name = image.file.name
    if PurePosixPath(old_name).name.startswith(PENDING_PREFIX):
        return
    if not old_name or not default_storage.exists(old_name):
        return
    with default_storage.open(old_name, "rb") as handle:
        # The storage keeps every story-pending-… name outside MEDIA_ROOT.
        new_name = default_storage.save(_pending_name(old_name), handle)
    Image.objects.filter(pk=image.pk).update(file=new_name)
    default_storage.delete(old_name)


def make_pending_story_photos_private(apps, schema_editor):
    Collection = apps.get_model("wagtailcore", "Collection")
    Image = apps.get_model("wagtailimages", "Image")
    Rendition = apps.get_model("wagtailimages", "Rendition")
    StoryPage = apps.get_model("courses", "StoryPage")
    if not Collection.objects.filter(depth=1).exists():
        return
    pending = _collection(Collection, PENDING_COLLECTION)
    _restrict_to_editors(apps, pending)
    published = _collection(Collection, PUBLISHED_COLLECTION)
    approved = _live_story_image_ids(StoryPage)
    for image in Image.objects.filter(collection=pending):
        if image.pk in approved:
            Image.objects.filter(pk=image.pk).update(collection=published)
        else:
            _make_private(Image, Rendition, image)


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0002_rich_text_headings"),
        ("wagtailcore", "0098_apitoken"),
        ("wagtailimages", "0027_image_description"),
    ]

    operations = [
        # Unapplying leaves the photos where they are: private is the safe side.
        migrations.RunPython(
            make_pending_story_photos_private, migrations.RunPython.noop
        ),
    ]
