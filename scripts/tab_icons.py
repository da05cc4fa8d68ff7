"""Draw the mini-program's tab-bar icons (81x81 PNG, grey and WeChat green): python scripts/tab_icons.py."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

OUT = Path(__file__).resolve().parents[1] / 'miniprogram' / 'images'
COLOURS = {'': (127, 127, 127, 255), '-active': (7, 193, 96, 255)}
SIZE = 81


def home(draw: ImageDraw.ImageDraw, colour) -> None:
    draw.polygon([(40, 10), (72, 38), (64, 38), (64, 70), (16, 70), (16, 38), (8, 38)], outline=colour, width=6)
    draw.rectangle([33, 48, 47, 70], fill=colour)


def messages(draw: ImageDraw.ImageDraw, colour) -> None:
    draw.rounded_rectangle([8, 14, 72, 58], radius=10, outline=colour, width=6)
    draw.polygon([(22, 56), (22, 72), (38, 56)], fill=colour)
    for x in (26, 40, 54):
        draw.ellipse([x - 4, 32, x + 4, 40], fill=colour)


def help_(draw: ImageDraw.ImageDraw, colour) -> None:
    draw.ellipse([8, 8, 72, 72], outline=colour, width=6)
    draw.arc([26, 18, 54, 46], start=180, end=90, fill=colour, width=6)
    draw.line([(40, 45), (40, 52)], fill=colour, width=6)
    draw.ellipse([36, 58, 44, 66], fill=colour)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, drawer in (('home', home), ('messages', messages), ('help', help_)):
        for suffix, colour in COLOURS.items():
            image = Image.new('RGBA', (SIZE, SIZE), (0, 0, 0, 0))
            drawer(ImageDraw.Draw(image), colour)
            image.save(OUT / f'tab-{name}{suffix}.png', optimize=True)


if __name__ == '__main__':
    main()
