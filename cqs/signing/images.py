"""Demo images for the visible signature (Decree 30): a blue handwritten-style signature and a red round seal.

Both are transparent PNGs drawn with Pillow, deterministic for a given name (the same name
always gives the same image), used by the demo and the tests, and whenever a certificate has
no uploaded appearance image. A real installation uploads the scanned signature and seal.
"""

from __future__ import annotations

import functools
import hashlib
import io
import math
import random
import unicodedata
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

SIGNATURE_INK = (18, 52, 170)  # ballpoint blue
SEAL_INK = (212, 24, 32)  # seal red
# DejaVu carries every Vietnamese letter (Liberation, as packaged here, does not).
_FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"),)
_SERIF_ITALIC = ("DejaVuSerif-Italic.ttf",)
_SANS_BOLD = ("DejaVuSansCondensed-Bold.ttf", "DejaVuSans-Bold.ttf")
_SUPERSAMPLE = 3


def _font(names: tuple[str, ...], size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for folder in _FONT_DIRS:
        for name in names:
            if (folder / name).exists():
                return ImageFont.truetype(str(folder / name), size)
    return ImageFont.load_default(size)


def _rng(text: str) -> random.Random:
    return random.Random(int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big"))  # noqa: S311


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def _stroke(draw: ImageDraw.ImageDraw, points: list[tuple[float, float]], width: float, ink: tuple[int, ...]) -> None:
    """A pen stroke through ``points``, thinner at both ends as a real stroke is."""
    count = len(points)
    for index in range(count - 1):
        taper = math.sin(math.pi * (index + 0.5) / count) ** 0.5
        w = max(1.0, width * (0.35 + 0.65 * taper))
        (x0, y0), (x1, y1) = points[index], points[index + 1]
        draw.line((x0, y0, x1, y1), fill=ink, width=round(w))
        draw.ellipse((x1 - w / 2, y1 - w / 2, x1 + w / 2, y1 + w / 2), fill=ink)


def _bezier(
    p0: tuple[float, float], p1: tuple[float, float], p2: tuple[float, float], p3: tuple[float, float], steps: int = 80
) -> list[tuple[float, float]]:
    points = []
    for i in range(steps + 1):
        t = i / steps
        u = 1 - t
        points.append(
            (
                u**3 * p0[0] + 3 * u * u * t * p1[0] + 3 * u * t * t * p2[0] + t**3 * p3[0],
                u**3 * p0[1] + 3 * u * u * t * p1[1] + 3 * u * t * t * p2[1] + t**3 * p3[1],
            )
        )
    return points


@functools.lru_cache(maxsize=64)
def appearance_image_generate_signature(full_name: str) -> bytes:
    """A blue handwritten-style signature for ``full_name`` (transparent PNG, 600 × 240)."""
    name = unicodedata.normalize("NFC", full_name.strip()) or "?"
    words = name.split()
    given = words[-1]
    initials = "".join(word[0] for word in words[:-1])
    rng = _rng(name)
    s = _SUPERSAMPLE
    width, height = 600 * s, 240 * s
    layer = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    ink = (*SIGNATURE_INK, 255)
    font = _font(_SERIF_ITALIC, 112 * s)
    small = _font(_SERIF_ITALIC, 70 * s)
    x = 60 * s
    if initials:
        draw.text((x, 70 * s), initials[:2], font=small, fill=ink)
        x += int(draw.textlength(initials[:2], font=small)) + 12 * s
    draw.text((x, 20 * s), given, font=font, fill=ink, stroke_width=s, stroke_fill=ink)
    end = x + int(draw.textlength(given, font=font))
    baseline = 150 * s
    # The flourish: from the end of the name back under it in one loop, then a quick tick.
    loop = _bezier(
        (end - 10 * s, baseline - 20 * s),
        (end + rng.uniform(60, 110) * s, baseline + rng.uniform(30, 60) * s),
        (40 * s, baseline + rng.uniform(50, 80) * s),
        (rng.uniform(20, 60) * s, baseline + rng.uniform(0, 20) * s),
    )
    _stroke(draw, loop, 6 * s, ink)
    tick_y = baseline + rng.uniform(25, 40) * s
    tick = _bezier(
        (120 * s, tick_y),
        (250 * s, tick_y - 20 * s),
        (380 * s, tick_y + 10 * s),
        (min(end + 40 * s, width - 20 * s), tick_y - rng.uniform(10, 30) * s),
        steps=60,
    )
    _stroke(draw, tick, 4 * s, ink)
    slanted = layer.transform(
        layer.size, Image.Transform.AFFINE, (1, 0.25, -0.12 * height, 0, 1, 0), resample=Image.Resampling.BICUBIC
    )
    image = slanted.resize((600, 240), Image.Resampling.LANCZOS)
    return _png(image.crop(image.getbbox() or (0, 0, 600, 240)))


def _text_on_ring(
    layer: Image.Image,
    text: str,
    *,
    centre: float,
    radius: float,
    font: ImageFont.FreeTypeFont | ImageFont.ImageFont,
    ink: tuple[int, ...],
    span: float,
) -> None:
    """``text`` around a circle, upright towards the centre, centred on the top, spread over ``span`` degrees."""
    draw = ImageDraw.Draw(layer)
    widths = [draw.textlength(ch, font=font) for ch in text]
    total = sum(widths)
    angle = -span / 2
    for ch, w in zip(text, widths, strict=True):
        step = span * w / total
        middle = math.radians(angle + step / 2)
        angle += step
        if not ch.strip():
            continue
        size = int(font.size * 1.8) if hasattr(font, "size") else 40
        glyph = Image.new("RGBA", (size, size), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text((size / 2, size / 2), ch, font=font, fill=ink, anchor="mm")
        rotated = glyph.rotate(-math.degrees(middle), resample=Image.Resampling.BICUBIC)
        gx = centre + radius * math.sin(middle) - size / 2
        gy = centre - radius * math.cos(middle) - size / 2
        layer.alpha_composite(rotated, (round(gx), round(gy)))


def _star(draw: ImageDraw.ImageDraw, cx: float, cy: float, outer: float, ink: tuple[int, ...]) -> None:
    inner = outer * 0.382
    points = []
    for i in range(10):
        r = outer if i % 2 == 0 else inner
        a = math.radians(-90 + 36 * i)
        points.append((cx + r * math.cos(a), cy + r * math.sin(a)))
    draw.polygon(points, fill=ink)


@functools.lru_cache(maxsize=64)
def appearance_image_generate_seal(agency_name: str) -> bytes:
    """A red round seal with ``agency_name`` around the ring and a star in the middle (transparent PNG, 400 × 400)."""
    name = unicodedata.normalize("NFC", " ".join(agency_name.split())).upper() or "?"
    s = 2 * 2 / 3  # drawn at 800 × 800 in the units of a 600-pixel seal, then reduced
    size = round(600 * s)
    c = size / 2
    ink = (*SEAL_INK, 255)
    layer = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    outer = 290 * s
    draw.ellipse((c - outer, c - outer, c + outer, c + outer), outline=ink, width=round(16 * s))
    draw.ellipse(
        (c - outer + 28 * s, c - outer + 28 * s, c + outer - 28 * s, c + outer - 28 * s),
        outline=ink,
        width=round(4 * s),
    )
    inner = 185 * s
    draw.ellipse((c - inner, c - inner, c + inner, c + inner), outline=ink, width=round(6 * s))
    font_size = round(max(34, min(62, 1500 // max(len(name), 1))) * s)
    font = _font(_SANS_BOLD, font_size)
    _text_on_ring(layer, name, centre=c, radius=(outer - 28 * s + inner) / 2, font=font, ink=ink, span=300)
    _star(draw, c, c + 8 * s, 120 * s, ink)
    # Uneven ink: a seal never prints perfectly.
    rng = _rng(name)
    alpha = layer.getchannel("A")
    cells = 160
    noise = Image.frombytes(
        "L", (cells, cells), bytes(rng.choice((110, 255, 255, 255, 255)) for _ in range(cells * cells))
    )
    noise = noise.resize((size, size), Image.Resampling.BICUBIC).filter(ImageFilter.GaussianBlur(3 * s))
    alpha = Image.composite(alpha, Image.new("L", alpha.size, 0), noise)
    layer.putalpha(alpha)
    return _png(layer.resize((400, 400), Image.Resampling.LANCZOS))
