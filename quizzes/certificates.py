"""Completion certificates: a PNG drawn with Pillow when a person passes.

Chinese text needs a CJK font. We use `QUIZ_CERTIFICATE_FONT` if set, else the first font
fontconfig lists for Chinese (`fc-list :lang=zh`; fonts-noto-cjk on Debian/Ubuntu), else
a few well-known paths. Without any, the certificate is still drawn with Pillow's default
font, whose glyphs cover Latin only — install fonts-noto-cjk on such a server.
"""

from __future__ import annotations

import io
import shutil
import subprocess  # noqa: S404 - fixed argument list, no shell
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from PIL import Image, ImageDraw, ImageFont

KNOWN_FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/System/Library/Fonts/PingFang.ttc",
)
WIDTH, HEIGHT = 1600, 1131  # A4 landscape proportions
GREEN, GOLD, INK = (27, 94, 63), (191, 144, 0), (33, 33, 33)


@lru_cache(maxsize=1)
def cjk_font_path() -> str | None:
    configured = getattr(settings, "QUIZ_CERTIFICATE_FONT", "")
    if configured and Path(configured).is_file():
        return configured
    fc_list = shutil.which("fc-list")
    if fc_list:
        try:
            listed = subprocess.run(  # noqa: S603 - fixed arguments
                [fc_list, ":lang=zh", "file"],
                capture_output=True,
                text=True,
                timeout=5,
                check=False,
            ).stdout
        except (OSError, subprocess.SubprocessError):
            listed = ""
        paths = sorted(
            line.split(":")[0].strip() for line in listed.splitlines() if line
        )
        # Prefer a serif face for a certificate, then any CJK face.
        for path in sorted(paths, key=lambda p: "Serif" not in p):
            if Path(path).is_file():
                return path
    return next((p for p in KNOWN_FONTS if Path(p).is_file()), None)


def _font(size: int):
    path = cjk_font_path()
    if path is None:
        return ImageFont.load_default(size=size)
    return ImageFont.truetype(path, size=size)


def _centred(draw: ImageDraw.ImageDraw, y: int, text: str, size: int, fill) -> None:
    font = _font(size)
    width = draw.textlength(text, font=font)
    draw.text(((WIDTH - width) / 2, y), text, font=font, fill=fill)


def certificate_png(
    *, name: str, quiz_title: str, score: float, when, serial: str
) -> bytes:
    image = Image.new("RGB", (WIDTH, HEIGHT), (255, 253, 246))
    draw = ImageDraw.Draw(image)
    draw.rectangle((30, 30, WIDTH - 30, HEIGHT - 30), outline=GREEN, width=10)
    draw.rectangle((60, 60, WIDTH - 60, HEIGHT - 60), outline=GOLD, width=3)
    _centred(draw, 150, "清廉学堂", 56, GREEN)
    _centred(draw, 250, "结业证书", 96, INK)
    _centred(draw, 440, name, 72, GREEN)
    _centred(draw, 570, f"完成“{quiz_title}”测验并合格", 48, INK)
    _centred(draw, 650, f"成绩：{score:g} 分", 44, INK)
    local = timezone.localtime(when)
    _centred(draw, 820, f"{local.year}年{local.month}月{local.day}日", 40, INK)
    _centred(draw, 980, f"证书编号：{serial}", 28, (110, 110, 110))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
