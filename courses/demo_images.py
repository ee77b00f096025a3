"""Title cards for the demo content, drawn with Pillow so the project may ship them.

The picture carries no "demo" wording: learners see it on every card and page. The admin
says it is a demo cover instead (courses.demo: title, collection, description, tag).

Text uses the system's Noto CJK font when it is installed; without it the card keeps its
colours and motif and omits the text, so loading the demo never fails for want of a font.
"""

from __future__ import annotations

import io
import math
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 1280, 720
FONT_CANDIDATES = [
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/noto-cjk/NotoSerifCJK-Bold.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
]
PALETTES = {
    "green": ((31, 111, 92), (12, 60, 48), (242, 193, 78)),
    "red": ((150, 38, 36), (84, 18, 20), (246, 214, 140)),
    "blue": ((30, 72, 120), (14, 36, 70), (214, 232, 250)),
    "ink": ((58, 52, 44), (24, 22, 20), (236, 220, 180)),
}


def _font(size: int):
    for candidate in FONT_CANDIDATES:
        if Path(candidate).exists():
            return ImageFont.truetype(candidate, size)
    return None


def _gradient(top, bottom) -> Image.Image:
    image = Image.new("RGB", (WIDTH, HEIGHT), top)
    draw = ImageDraw.Draw(image)
    for y in range(HEIGHT):
        t = y / (HEIGHT - 1)
        colour = tuple(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True))
        draw.line([(0, y), (WIDTH, y)], fill=colour)
    return image


def _mountains(draw, accent) -> None:
    """Layered ridges: 方岩 and the hills of 永康."""
    for layer, (base, amp, alpha) in enumerate(
        [(560, 90, 70), (610, 70, 110), (660, 50, 160)]
    ):
        points = [(0, HEIGHT)]
        for x in range(0, WIDTH + 40, 40):
            y = (
                base
                - amp * abs(math.sin((x + layer * 170) / 210))
                - 20 * math.sin(x / 53)
            )
            points.append((x, y))
        points.append((WIDTH, HEIGHT))
        draw.polygon(points, fill=(*accent, alpha))


def _waves(draw, accent) -> None:
    """Staff lines and notes: music (聂耳)."""
    for i in range(5):
        y = 520 + i * 26
        draw.line([(80, y), (WIDTH - 80, y)], fill=(*accent, 120), width=3)
    for n, x in enumerate(range(160, WIDTH - 120, 140)):
        y = 520 + (n * 37 % 5) * 26
        draw.ellipse([x, y - 14, x + 34, y + 12], fill=(*accent, 200))
        draw.line([(x + 32, y), (x + 32, y - 90)], fill=(*accent, 200), width=5)


def _seal(draw, accent) -> None:
    """A square seal and ruled lines: rules and precepts."""
    draw.rectangle(
        [WIDTH - 260, 470, WIDTH - 100, 630], outline=(*accent, 220), width=10
    )
    draw.line([(WIDTH - 230, 550), (WIDTH - 130, 550)], fill=(*accent, 220), width=10)
    draw.line([(WIDTH - 180, 500), (WIDTH - 180, 600)], fill=(*accent, 220), width=10)
    for i in range(4):
        draw.line(
            [(80, 500 + i * 40), (WIDTH - 320, 500 + i * 40)],
            fill=(*accent, 90),
            width=2,
        )


MOTIFS = {"mountains": _mountains, "music": _waves, "seal": _seal}


def title_card(
    *, title: str, subtitle: str = "", palette: str = "green", motif: str = "mountains"
) -> bytes:
    """A 16:9 JPEG title card."""
    top, bottom, accent = PALETTES[palette]
    image = _gradient(top, bottom).convert("RGBA")
    overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
    MOTIFS[motif](ImageDraw.Draw(overlay), accent)
    image = Image.alpha_composite(image, overlay)
    draw = ImageDraw.Draw(image)
    title_font, subtitle_font = _font(84), _font(40)
    if title_font is not None:
        draw.text((80, 150), title, font=title_font, fill=(255, 255, 255))
        draw.line([(84, 280), (240, 280)], fill=(*accent, 255), width=8)
        if subtitle:
            draw.text((80, 310), subtitle, font=subtitle_font, fill=(*accent, 255))
        draw.text((80, 60), "清廉学堂", font=_font(30), fill=(230, 240, 236))
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()
