"""Cleaning what learners submit: story HTML through nh3, images through Pillow checks.

Learners are not editors: their text may contain only a few plain formatting tags, and
their images must be real JPEG/PNG/WebP files of bounded size and pixel count (a tiny
compressed file can expand to gigabytes in memory: a decompression bomb).
"""

from __future__ import annotations

import io
import re
import uuid
import warnings
from dataclasses import dataclass

import nh3
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.html import escape
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from .storage import PENDING_PREFIX

STORY_TAGS = {"p", "br", "b", "i", "ul", "ol", "li", "blockquote"}
MAX_IMAGES = 6
MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_IMAGE_PIXELS = 24_000_000
IMAGE_FORMATS = {"JPEG": {"jpg", "jpeg"}, "PNG": {"png"}, "WEBP": {"webp"}}

_BLOCK_TAG = re.compile(r"<\s*(p|ul|ol|blockquote)\b", re.IGNORECASE)


def sanitise_story_html(text: str) -> str:
    """Safe rich text from what a learner typed: plain paragraphs or simple HTML."""
    if not _BLOCK_TAG.search(text):
        # Plain text: blank-line or line-separated paragraphs, escaped before cleaning.
        paragraphs = [p.strip() for p in re.split(r"\n\s*\n|\n", text) if p.strip()]
        text = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return nh3.clean(
        text,
        tags=STORY_TAGS,
        attributes={},
        clean_content_tags={"script", "style", "iframe", "object", "template"},
    ).strip()


@dataclass(frozen=True)
class CheckedImage:
    file: UploadedFile
    format: str
    width: int
    height: int


def check_story_image(upload: UploadedFile) -> CheckedImage:
    """Raise ValidationError unless `upload` is an acceptable story image."""
    name = upload.name or ""
    if upload.size > MAX_IMAGE_BYTES:
        raise ValidationError(
            _("图片“%(name)s”超过 5 MB，请压缩后再上传。") % {"name": name},
            code="too_big",
        )
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    try:
        with warnings.catch_warnings():
            # Pillow only warns between its limit and twice it; treat that as refusal too.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            upload.seek(0)
            with Image.open(upload) as image:
                image_format, (width, height) = image.format, image.size
                if width * height > MAX_IMAGE_PIXELS:
                    raise ValidationError(
                        _("图片“%(name)s”像素过多（最多 2400 万像素）。")
                        % {"name": name},
                        code="too_many_pixels",
                    )
                image.verify()
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        OSError,
        SyntaxError,
    ) as error:
        raise ValidationError(
            _("“%(name)s”不是可识别的图片文件。") % {"name": name}, code="not_image"
        ) from error
    finally:
        upload.seek(0)
    if (
        image_format not in IMAGE_FORMATS
        or extension not in IMAGE_FORMATS[image_format]
    ):
        raise ValidationError(
            _("“%(name)s”：只接受 JPG、PNG 或 WebP 图片，且扩展名须与内容一致。")
            % {"name": name},
            code="bad_type",
        )
    return CheckedImage(file=upload, format=image_format, width=width, height=height)


def story_image_file(checked: CheckedImage) -> ContentFile:
    """The image re-encoded without its metadata, under a random name.

    Phone photos carry EXIF (often GPS: where the family lives) and the file name a
    camera gave them; neither should reach a public page or a guessable /media/ path.
    Orientation from EXIF is applied to the pixels before the metadata is dropped.
    """
    checked.file.seek(0)
    with Image.open(checked.file) as image:
        upright = ImageOps.exif_transpose(image)
        if checked.format == "JPEG" and upright.mode not in ("RGB", "L"):
            upright = upright.convert("RGB")
        buffer = io.BytesIO()
        options = {"quality": 90} if checked.format in ("JPEG", "WEBP") else {}
        upright.save(buffer, format=checked.format, **options)
    checked.file.seek(0)
    extension = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}[checked.format]
    # The pending name keeps the file in private storage until the story is approved.
    return ContentFile(
        buffer.getvalue(), name=f"{PENDING_PREFIX}{uuid.uuid4().hex}.{extension}"
    )
