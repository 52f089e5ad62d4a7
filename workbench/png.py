"""A small PNG reader (standard library only): enough to draw a card's chart in a terminal.

Reads 8-bit, non-interlaced PNGs of the common colour types (grey, RGB, palette with its
transparency, grey with alpha, RGBA): what Matplotlib, PIL and most tools write. Anything else raises ``ValueError``
and the caller shows the image's caption instead. Imports nothing of workbench.
"""
from __future__ import annotations

import struct
import zlib

SIGNATURE = b"\x89PNG\r\n\x1a\n"
_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}  # colour type -> samples per pixel
MAX_PIXELS = 4_000_000  # a larger image is not decoded (its caption is shown)

Pixel = tuple[int, int, int]


def _unfilter(data: bytes, width: int, height: int, bpp: int) -> list[bytearray]:
    stride = width * bpp
    rows: list[bytearray] = []
    previous = bytearray(stride)
    pos = 0
    for _ in range(height):
        kind = data[pos]
        row = bytearray(data[pos + 1:pos + 1 + stride])
        pos += 1 + stride
        if len(row) != stride:
            raise ValueError("truncated image data")
        if kind == 1:
            for i in range(bpp, stride):
                row[i] = (row[i] + row[i - bpp]) & 0xFF
        elif kind == 2:
            for i in range(stride):
                row[i] = (row[i] + previous[i]) & 0xFF
        elif kind == 3:
            for i in range(stride):
                left = row[i - bpp] if i >= bpp else 0
                row[i] = (row[i] + ((left + previous[i]) >> 1)) & 0xFF
        elif kind == 4:
            for i in range(stride):
                a = row[i - bpp] if i >= bpp else 0
                b = previous[i]
                c = previous[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else b if pb <= pc else c
                row[i] = (row[i] + pred) & 0xFF
        elif kind != 0:
            raise ValueError(f"unknown PNG filter {kind}")
        rows.append(row)
        previous = row
    return rows


def decode(raw: bytes) -> tuple[int, int, list[list[Pixel]]]:
    """``(width, height, rows of (r, g, b))`` of a PNG; alpha is blended onto white."""
    if not raw.startswith(SIGNATURE):
        raise ValueError("not a PNG")
    pos, header, palette, chunks, alphas = 8, None, None, [], b""
    while pos + 8 <= len(raw):
        length, kind = struct.unpack(">I4s", raw[pos:pos + 8])
        body = raw[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"PLTE":
            palette = [tuple(body[i:i + 3]) for i in range(0, len(body), 3)]
        elif kind == b"tRNS":  # a palette's alpha per entry
            alphas = body
        elif kind == b"IDAT":
            chunks.append(body)
        elif kind == b"IEND":
            break
    if header is None:
        raise ValueError("no PNG header")
    width, height, depth, colour, _, _, interlace = header
    if depth != 8 or interlace or colour not in _CHANNELS:
        raise ValueError("only 8-bit, non-interlaced PNGs are read")
    if width * height > MAX_PIXELS:
        raise ValueError("image too large to draw")
    bpp = _CHANNELS[colour]
    rows = _unfilter(zlib.decompress(b"".join(chunks)), width, height, bpp)
    out: list[list[Pixel]] = []
    for row in rows:
        pixels: list[Pixel] = []
        for x in range(width):
            s = row[x * bpp:(x + 1) * bpp]
            if colour == 0:
                r = g = b = s[0]
                alpha = 255
            elif colour == 2:
                (r, g, b), alpha = s, 255
            elif colour == 3:
                r, g, b = palette[s[0]] if palette and s[0] < len(palette) else (0, 0, 0)
                alpha = alphas[s[0]] if s[0] < len(alphas) else 255
            elif colour == 4:
                r = g = b = s[0]
                alpha = s[1]
            else:
                r, g, b, alpha = s
            if alpha < 255:  # onto white, as a page shows it
                r, g, b = (v * alpha // 255 + 255 - alpha for v in (r, g, b))
            pixels.append((r, g, b))
        out.append(pixels)
    return width, height, out


def downscale(width: int, height: int, rows: list[list[Pixel]], max_width: int,
              max_height: int) -> list[list[Pixel]]:
    """The image shrunk to fit ``max_width`` x ``max_height`` pixels, keeping its aspect
    ratio; each pixel the average of the block it covers, so thin lines and text stay
    visible as lighter strokes instead of vanishing between samples."""
    scale = min(1.0, max_width / width, max_height / height)
    w, h = max(1, round(width * scale)), max(1, round(height * scale))
    if (w, h) == (width, height):
        return [list(row) for row in rows]
    xs = [(x * width // w, max(x * width // w + 1, (x + 1) * width // w)) for x in range(w)]
    out: list[list[Pixel]] = []
    for y in range(h):
        y0, y1 = y * height // h, max(y * height // h + 1, (y + 1) * height // h)
        block_rows = rows[y0:y1]
        line: list[Pixel] = []
        for x0, x1 in xs:
            r = g = b = n = 0
            for row in block_rows:
                for pr, pg, pb in row[x0:x1]:
                    r += pr
                    g += pg
                    b += pb
                    n += 1
            line.append((r // n, g // n, b // n))
        out.append(line)
    return out
