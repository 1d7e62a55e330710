"""The skill's icons, drawn by code and written as PNG with the standard library alone (zlib and struct).

Alexa's store wants a 108x108 and a 512x512 PNG for each locale (`smallIconUri`, `largeIconUri` in
skill-package/skill.json). The ASK CLI uploads files under skill-package/assets/ with the package when the
manifest names them as `file://assets/images/<name>.png`, so the icons live there, made by this module:
`python -m skill.dev.icons` writes them, `--check` exits 1 when a committed file differs from what it draws
(a test runs the same check).

The picture is calm and plain: five pale vertebrae in a gentle curve on a deep blue, soft-edged, with nothing
that reads as pain or alarm. Shapes are signed distance functions, so each size is drawn sharp, not scaled.
"""
from __future__ import annotations

import functools
import math
import struct
import sys
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
IMAGES = ROOT / "skill-package" / "assets" / "images"
# The file each manifest field names, and the size Alexa requires for it.
ICONS = {"smallIconUri": ("smallIcon.png", 108), "largeIconUri": ("largeIcon.png", 512)}
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CANVAS = 512.0  # shapes are laid out on a 512-unit square, whatever the size drawn

Color = tuple[float, float, float]
TOP, BOTTOM = (0x1D, 0x3D, 0x5C), (0x11, 0x26, 0x3A)  # the background, a vertical gradient of deep blue
HALO = (0x26, 0x4E, 0x70)  # a soft disc behind the spine
BONE = (0xEA, 0xF2, 0xF6)  # the vertebrae
DISC = (0x86, 0xC8, 0xC8)  # the discs between them, a quiet teal


@dataclass(frozen=True)
class Shape:
    """A filled shape: its colour, its bounds on the canvas, and its signed distance (negative inside)."""

    color: Color
    bounds: tuple[float, float, float, float]  # left, top, right, bottom
    distance: Callable[[float, float], float]


def _rounded_box(cx: float, cy: float, half_w: float, half_h: float, radius: float, color: Color) -> Shape:
    def distance(x: float, y: float) -> float:
        qx, qy = abs(x - cx) - (half_w - radius), abs(y - cy) - (half_h - radius)
        outside = math.hypot(max(qx, 0.0), max(qy, 0.0))
        return outside + min(max(qx, qy), 0.0) - radius

    return Shape(color, (cx - half_w, cy - half_h, cx + half_w, cy + half_h), distance)


def _disc(cx: float, cy: float, radius: float, color: Color) -> Shape:
    return Shape(color, (cx - radius, cy - radius, cx + radius, cy + radius),
                 lambda x, y: math.hypot(x - cx, y - cy) - radius)


def shapes() -> list[Shape]:
    """The picture, back to front, on the 512-unit canvas."""
    drawn = [_disc(256, 256, 206, HALO)]
    rows = [128 + 64 * index for index in range(5)]
    sway = [256 + 12 * math.sin((y - 256) / 128 * math.pi / 2) for y in rows]  # a gentle S, as a spine is
    for index in range(4):  # the discs sit between the vertebrae, drawn first
        middle_x, middle_y = (sway[index] + sway[index + 1]) / 2, (rows[index] + rows[index + 1]) / 2
        drawn.append(_rounded_box(middle_x, middle_y, 40, 9, 9, DISC))
    for index, (x, y) in enumerate(zip(sway, rows, strict=True)):
        width = 56 + 4 * index  # wider toward the lower back
        drawn.append(_rounded_box(x, y, width, 23, 16, BONE))
    return drawn


def pixels(size: int) -> list[bytearray]:
    """The icon at `size` x `size`: rows of RGB bytes, each shape's edge anti-aliased over one pixel."""
    return [bytearray(row) for row in _drawn(size)]


@functools.cache
def _drawn(size: int) -> tuple[bytes, ...]:
    scale = size / CANVAS
    rows: list[list[Color]] = []
    for y in range(size):
        t = (y + 0.5) / size
        background = tuple(top + (bottom - top) * t for top, bottom in zip(TOP, BOTTOM, strict=True))
        rows.append([background] * size)  # type: ignore[list-item]
    for shape in shapes():
        left, top, right, bottom = (edge * scale for edge in shape.bounds)
        for y in range(max(0, int(top) - 1), min(size, int(bottom) + 2)):
            row = rows[y]
            for x in range(max(0, int(left) - 1), min(size, int(right) + 2)):
                inside = 0.5 - shape.distance((x + 0.5) / scale, (y + 0.5) / scale) * scale  # coverage of the pixel
                if inside <= 0:
                    continue
                cover = min(inside, 1.0)
                row[x] = tuple(old + (new - old) * cover for old, new in zip(row[x], shape.color, strict=True))  # type: ignore[assignment]
    return tuple(bytes(min(255, max(0, round(channel))) for color in row for channel in color) for row in rows)


def png(width: int, height: int, rows: list[bytearray]) -> bytes:
    """An 8-bit RGB PNG of these rows (each filtered with filter type 0, none)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8 bits, truecolour, no interlace
    raw = b"".join(b"\x00" + bytes(row) for row in rows)
    return PNG_SIGNATURE + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def png_size(data: bytes) -> tuple[int, int] | None:
    """A PNG's width and height from its header; None when the bytes are not a PNG."""
    if len(data) < 24 or not data.startswith(PNG_SIGNATURE) or data[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def decoded_rows(data: bytes) -> list[bytes]:
    """The RGB rows of a PNG this module wrote (8-bit truecolour, filter type 0): to compare pictures, not bytes."""
    position, idat, header = len(PNG_SIGNATURE), b"", b""
    while position < len(data):
        (length,) = struct.unpack(">I", data[position:position + 4])
        kind, body = data[position + 4:position + 8], data[position + 8:position + 8 + length]
        header = body if kind == b"IHDR" else header
        idat += body if kind == b"IDAT" else b""
        position += 12 + length
    width, height, depth, color_type = struct.unpack(">IIBB", header[:10])
    if (depth, color_type) != (8, 2):
        raise ValueError("not an 8-bit RGB PNG")
    raw, stride = zlib.decompress(idat), 1 + 3 * width
    rows = [raw[i * stride:(i + 1) * stride] for i in range(height)]
    if any(row[0] != 0 for row in rows):
        raise ValueError("a row uses a PNG filter this reader does not undo")
    return [row[1:] for row in rows]


def made() -> dict[str, bytes]:
    """Every icon file, by name, as this module draws it."""
    return {name: png(size, size, pixels(size)) for name, size in ICONS.values()}


def stale(folder: Path = IMAGES) -> list[str]:
    """The icon files missing from `folder`, or showing another picture than this module draws."""
    names = []
    for name, data in made().items():
        path = folder / name
        if not path.is_file() or png_size(path.read_bytes()) != png_size(data):
            names.append(name)
            continue
        try:
            if decoded_rows(path.read_bytes()) != decoded_rows(data):
                names.append(name)
        except (ValueError, zlib.error, struct.error):
            names.append(name)
    return names


def main(argv: list[str]) -> int:
    """`python -m skill.dev.icons` writes the icons; `--check` exits 1 naming any that differ."""
    if argv[1:] == ["--check"]:
        names = stale()
        for name in names:
            print(f"skill-package/assets/images/{name} is not what skill/dev/icons.py draws: "
                  "run python -m skill.dev.icons", file=sys.stderr)
        return 1 if names else 0
    IMAGES.mkdir(parents=True, exist_ok=True)
    for name, data in made().items():
        (IMAGES / name).write_bytes(data)
        print(f"wrote skill-package/assets/images/{name} ({png_size(data)[0]}x{png_size(data)[1]})")  # type: ignore[index]
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
