"""Where media files live: MEDIA_ROOT (public, served by nginx under /media/), except the
photos of stories still awaiting moderation, which live in PRIVATE_MEDIA_ROOT.

Wagtail stores every image and rendition through the one default storage, so the choice
is made per file name: a story photo is stored as `story-pending-<hex>…` until its story
is approved, and every rendition Wagtail makes of it starts with the same name. Those
files are written outside MEDIA_ROOT and their URLs lead to a view for editors only
(`courses:pending_photo`); approval renames the file to `story-<hex>…` in MEDIA_ROOT
(services.story_photos_publish).
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.urls import reverse

PENDING_PREFIX = "story-pending-"
# Wagtail shortens the name in renditions, so only the start of the hex is required.
_PENDING_NAME = re.compile(rf"^{PENDING_PREFIX}[0-9a-f]{{16}}")


def is_pending_photo(name: str) -> bool:
    return bool(_PENDING_NAME.match(PurePosixPath(name).name))


def private_storage() -> FileSystemStorage:
    # Built on each use, so a changed PRIVATE_MEDIA_ROOT (tests) is always honoured.
    return FileSystemStorage(location=settings.PRIVATE_MEDIA_ROOT, base_url=None)


class MediaStorage(FileSystemStorage):
    """MEDIA_ROOT for everything but pending story photos (see the module docstring)."""

    def path(self, name):
        if is_pending_photo(name):
            return private_storage().path(name)
        return super().path(name)

    def _save(self, name, content):
        # FileSystemStorage._save returns the name relative to its own location.
        if is_pending_photo(name):
            return private_storage()._save(name, content)
        return super()._save(name, content)

    def url(self, name):
        if is_pending_photo(name):
            return reverse("courses:pending_photo", kwargs={"name": name})
        return super().url(name)
