"""Generated artwork for the demo: lead images and author portraits.

Drawn with Pillow from a seed, so every run produces the same bytes and the
demo needs nothing from the network.
"""

import hashlib
import io
import random

from PIL import Image, ImageColor, ImageDraw, ImageFilter, ImageFont

PALETTES = {
    "sea": ["#0f2a3f", "#1d4e6b", "#3a7ca5", "#d9c8a0"],
    "river": ["#2d3b2c", "#4f6d4a", "#8a9b68", "#c9b98f"],
    "port": ["#1c1b2e", "#3c3552", "#b5654a", "#e8b26a"],
    "factory": ["#262626", "#4a4038", "#8c6a4f", "#d19a5b"],
    "flags": ["#14213d", "#2a4c7a", "#c9d6df", "#9c1c1c"],
    "home": ["#3b3b3b", "#6f6a60", "#b7ab98", "#e6ddcf"],
    "ridge": ["#1f2a38", "#3f5a6e", "#7f9aa8", "#e3b778"],
    "dawn": ["#2b2d42", "#5c5470", "#b7837a", "#f2c57c"],
}


def _rng(seed: str) -> random.Random:
    return random.Random(int(hashlib.sha256(seed.encode()).hexdigest()[:16], 16))


def _jpeg(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "JPEG", quality=82, optimize=True, progressive=True)
    return buffer.getvalue()


def landscape(seed: str, style: str, size=(1600, 900)) -> bytes:
    """A layered landscape: sky gradient, sun, ridgelines or waves, a horizon."""
    rng = _rng(seed)
    colours = PALETTES.get(style, PALETTES["ridge"])
    width, height = size
    image = Image.new("RGB", size, colours[0])
    draw = ImageDraw.Draw(image)

    top, bottom = ImageColor.getrgb(colours[0]), ImageColor.getrgb(colours[3])
    for y in range(height):
        t = y / height
        draw.line(
            [(0, y), (width, y)],
            fill=tuple(int(top[i] + (bottom[i] - top[i]) * t * 0.8) for i in range(3)),
        )

    sun_x, sun_y, radius = (
        rng.randint(200, width - 200),
        rng.randint(120, 320),
        rng.randint(50, 110),
    )
    draw.ellipse((sun_x - radius, sun_y - radius, sun_x + radius, sun_y + radius), fill=colours[3])

    for layer in range(4):
        base = int(height * (0.45 + layer * 0.14))
        amplitude = rng.randint(30, 120) // (layer + 1)
        points = [(0, height)]
        x = 0
        while x <= width:
            points.append((x, base + rng.randint(-amplitude, amplitude)))
            x += rng.randint(60, 180)
        points += [(width, base), (width, height)]
        draw.polygon(points, fill=colours[min(layer, 2)] if layer else colours[1])

    return _jpeg(image.filter(ImageFilter.GaussianBlur(1.2)))


def portrait(name: str, colour: str, size=400) -> bytes:
    """A round monogram on a flat colour: the author's initials."""
    image = Image.new("RGB", (size, size), colour)
    draw = ImageDraw.Draw(image)
    initials = "".join(part[0] for part in name.split()[:2]).upper()
    font = ImageFont.load_default(size=size // 3)
    box = draw.textbbox((0, 0), initials, font=font)
    position = ((size - (box[2] - box[0])) / 2 - box[0], (size - (box[3] - box[1])) / 2 - box[1])
    draw.text(position, initials, fill="#ffffff", font=font)
    return _jpeg(image)
