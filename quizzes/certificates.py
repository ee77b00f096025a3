"""Completion certificates: issuing one with its verification code, finding it by code,
masking the holder's name for the public check, and the PNG drawn with Pillow.

A passed attempt's certificate is issued the first time its page or picture is opened
(certificates older than codes got theirs by migration 0007), so submitting a quiz does
not wait for it. The issuing body is `CERTIFICATE_ISSUER` (default 清廉学堂).

Chinese text needs a CJK font. We use `QUIZ_CERTIFICATE_FONT` if set, else the first font
fontconfig lists for Chinese (`fc-list :lang=zh`; fonts-noto-cjk on Debian/Ubuntu), else
a few well-known paths. Without any, the certificate is still drawn with Pillow's default
font, whose glyphs cover Latin only — install fonts-noto-cjk on such a server.
"""

from __future__ import annotations

import io
import secrets
import shutil
import subprocess  # noqa: S404 - fixed argument list, no shell
from functools import lru_cache
from pathlib import Path

import segno
from django.conf import settings
from django.utils import timezone
from PIL import Image, ImageDraw, ImageFont

from .models import Attempt, AttemptState, Certificate
from .models.certificates import CODE_LENGTH

DEFAULT_ISSUER = "清廉学堂"
# Crockford's base32: no I, L, O or U, which are misread from paper or aloud.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
MISREAD = str.maketrans({"O": "0", "I": "1", "L": "1"})

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


def certificate_issuer() -> str:
    return getattr(settings, "CERTIFICATE_ISSUER", "") or DEFAULT_ISSUER


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def certificate_issue(*, attempt: Attempt) -> Certificate:
    """The attempt's certificate, issued now if it has none. Only a submitted, passed
    attempt has one. Opening the page twice at once still makes one certificate: the
    one-to-one key refuses the second and get_or_create reads the first."""
    if attempt.state != AttemptState.SUBMITTED or not attempt.passed:
        raise ValueError("only a passed, submitted attempt has a certificate")
    certificate, _created = Certificate.objects.get_or_create(
        attempt=attempt,
        defaults={
            # 60 random bits: the check page cannot be walked to find people.
            "code": _new_code,
            # Callables: evaluated only when the certificate is created.
            "holder_name": lambda: attempt.user.get_full_name()[:150],
            "issuer": certificate_issuer,
        },
    )
    return certificate


def code_normalise(*, code: str) -> str:
    """A code as stored, from what someone typed or scanned: case, spaces, dashes and
    O/I/L read for 0/1 do not matter."""
    return "".join(code.split()).replace("-", "").upper().translate(MISREAD)


def certificate_by_code(*, code: str) -> Certificate | None:
    code = code_normalise(code=code)
    if len(code) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in code):
        return None
    return (
        Certificate.objects.select_related("attempt__quiz")
        .filter(code=code, attempt__state=AttemptState.SUBMITTED, attempt__passed=True)
        .first()
    )


def name_mask(*, name: str) -> str:
    """The holder's name as the public check shows it: 张*明 (first and last kept, one
    star per hidden character), 张* for two characters."""
    name = name.strip()
    if len(name) <= 1:
        return "*" * len(name)
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def certificate_qr(*, url: str) -> segno.QRCode:
    return segno.make(url, error="m")


def certificate_png(
    *,
    name: str,
    quiz_title: str,
    score: float,
    when,
    code: str,
    issuer: str,
    verify_url: str,
    lookup_url: str,
) -> bytes:
    image = Image.new("RGB", (WIDTH, HEIGHT), (255, 253, 246))
    draw = ImageDraw.Draw(image)
    draw.rectangle((30, 30, WIDTH - 30, HEIGHT - 30), outline=GREEN, width=10)
    draw.rectangle((60, 60, WIDTH - 60, HEIGHT - 60), outline=GOLD, width=3)
    _centred(draw, 150, issuer, 56, GREEN)
    _centred(draw, 250, "结业证书", 96, INK)
    _centred(draw, 440, name, 72, GREEN)
    _centred(draw, 570, f"完成“{quiz_title}”测验并合格", 48, INK)
    _centred(draw, 650, f"成绩：{score:g} 分", 44, INK)
    local = timezone.localtime(when)
    _centred(draw, 790, f"{local.year}年{local.month}月{local.day}日", 40, INK)
    _centred(draw, 960, f"验证码：{code}", 30, (90, 90, 90))
    _centred(
        draw, 1005, f"扫码核验真伪，或在 {lookup_url} 输入验证码", 24, (110, 110, 110)
    )
    qr_buffer = io.BytesIO()
    certificate_qr(url=verify_url).save(
        qr_buffer, kind="png", scale=5, border=2, dark="#1b5e3f"
    )
    qr = Image.open(qr_buffer).convert("RGB")
    image.paste(qr, (WIDTH - 100 - qr.width, HEIGHT - 100 - qr.height))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
