"""Ready to submit: the icons the project draws, and `python -m skill.package check` (skill/dev/release.py)."""
from __future__ import annotations

import struct
import zlib

from skill.dev import icons


def _chunks(data: bytes) -> list[tuple[bytes, bytes, int]]:
    position, found = len(icons.PNG_SIGNATURE), []
    while position < len(data):
        (length,) = struct.unpack(">I", data[position:position + 4])
        kind, body = data[position + 4:position + 8], data[position + 8:position + 8 + length]
        (crc,) = struct.unpack(">I", data[position + 8 + length:position + 12 + length])
        found.append((kind, body, crc))
        position += 12 + length
    return found


def test_the_committed_icons_are_what_the_project_draws():
    assert icons.stale() == [], "run: python -m skill.dev.icons"


def test_each_icon_is_a_well_formed_png_of_the_size_alexa_requires():
    for name, size in icons.ICONS.values():
        data = (icons.IMAGES / name).read_bytes()
        chunks = _chunks(data)
        assert data.startswith(icons.PNG_SIGNATURE) and [kind for kind, _, _ in chunks] == [b"IHDR", b"IDAT", b"IEND"]
        assert all(zlib.crc32(kind + body) & 0xFFFFFFFF == crc for kind, body, crc in chunks)
        assert struct.unpack(">IIBBBBB", chunks[0][1]) == (size, size, 8, 2, 0, 0, 0)
        assert len(zlib.decompress(chunks[1][1])) == size * (1 + 3 * size)


def test_the_picture_is_calm_and_visible_at_both_sizes():
    for _, size in icons.ICONS.values():
        rows = icons.pixels(size)
        colors = {bytes(row[x:x + 3]) for row in rows for x in range(0, 3 * size, 3)}
        assert bytes(icons.BONE) in colors and bytes(icons.HALO) in colors  # the spine and its halo are drawn
        red = [c for c in colors if c[0] > 1.5 * max(c[1], c[2], 40)]
        assert red == []  # nothing alarming: no reds


def test_a_stale_or_missing_icon_is_found(tmp_path):
    assert sorted(icons.stale(tmp_path)) == sorted(name for name, _ in icons.ICONS.values())
    for name, size in icons.ICONS.values():
        rows = icons.pixels(size)
        rows[0][0] ^= 0xFF  # one pixel changed
        (tmp_path / name).write_bytes(icons.png(size, size, rows))
    assert sorted(icons.stale(tmp_path)) == sorted(name for name, _ in icons.ICONS.values())
