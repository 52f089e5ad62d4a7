"""workbench.png reads what PIL and Matplotlib write, pixel for pixel (PIL decodes the same
files for comparison; it comes with Matplotlib in the test extra)."""
from __future__ import annotations

import io

import pytest

from workbench import png

PIL = pytest.importorskip("PIL.Image")


def _encoded(image, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", **options)
    return buffer.getvalue()


def _expected(image) -> list[list[tuple[int, int, int]]]:
    rgba = image.convert("RGBA")
    out = []
    for y in range(rgba.height):
        row = []
        for x in range(rgba.width):
            r, g, b, a = rgba.getpixel((x, y))
            row.append(tuple(v * a // 255 + 255 - a for v in (r, g, b)))
        out.append(row)
    return out


def _gradient(mode: str, size=(37, 23)):
    image = PIL.new("RGBA", size)
    for y in range(size[1]):
        for x in range(size[0]):
            image.putpixel((x, y), ((x * 7) % 256, (y * 11) % 256, (x * y) % 256,
                                    255 if (x + y) % 5 else 128))
    return image.convert(mode)


@pytest.mark.parametrize("mode", ["RGBA", "RGB", "L", "LA", "P"])
def test_every_colour_type_and_filter_decodes_as_pil_does(mode):
    image = _gradient(mode)
    for options in ({}, {"optimize": True}, {"compress_level": 0}):
        width, height, rows = png.decode(_encoded(image, **options))
        assert (width, height) == image.size
        assert rows == _expected(image), (mode, options)


def test_a_matplotlib_figure_decodes_and_scales_to_fit():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(3, 2), dpi=60)
    axes.bar([1, 2, 3], [3, 1, 2], color="#4c72b0")
    raw = io.BytesIO()
    figure.savefig(raw, format="png")
    plt.close(figure)
    image = PIL.open(io.BytesIO(raw.getvalue()))
    width, height, rows = png.decode(raw.getvalue())
    assert (width, height) == (180, 120) and rows == _expected(image)
    small = png.downscale(width, height, rows, 56, 28)
    assert (len(small[0]), len(small)) == (42, 28)  # the aspect ratio kept
    assert (0x4c, 0x72, 0xb0) in {p for row in small for p in row}  # the bars' colour


def test_what_it_cannot_read_is_a_value_error():
    for raw in (b"not a png", png.SIGNATURE + b"\x00\x00\x00\x01IHDR",
                _encoded(_gradient("RGB"))[:60]):
        with pytest.raises((ValueError, Exception)):
            png.decode(raw)
    sixteen = _encoded(_gradient("RGB").convert("I;16"))
    with pytest.raises(ValueError, match="8-bit"):
        png.decode(sixteen)
