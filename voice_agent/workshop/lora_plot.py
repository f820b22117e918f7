"""The loss-curve PNG: matplotlib when installed, else a small PNG drawn here."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

TRAIN_COLOUR, VALIDATION_COLOUR = (31, 119, 180), (255, 127, 14)


def write_loss_curve(path: Path, train: list[float], validation: list[float],
                     title: str = "LoRA training") -> Path:
    """Per-epoch training and validation loss against epoch, written to ``path``."""
    try:
        import matplotlib
    except ImportError:
        return _write_plain_png(path, train, validation)
    matplotlib.use("Agg")  # no screen: straight to the file
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    figure, axes = plt.subplots(figsize=(6, 3.6), dpi=100)
    epochs = list(range(1, len(train) + 1))
    axes.plot(epochs, train, "o-", color=[c / 255 for c in TRAIN_COLOUR], label="training")
    axes.plot(epochs, validation, "s-", color=[c / 255 for c in VALIDATION_COLOUR],
              label="validation")
    axes.set_xlabel("epoch")
    axes.set_ylabel("cross-entropy (mean of codebooks)")
    axes.set_title(title)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))  # epochs are whole
    axes.ticklabel_format(axis="y", useOffset=False)  # losses as they are, not "+3.46"
    axes.grid(alpha=0.3)
    axes.legend()
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
    return path


def _write_plain_png(path: Path, train: list[float], validation: list[float],
                     width: int = 480, height: int = 280) -> Path:
    """Both curves as lines on white, no text: enough to see the trend without matplotlib."""
    pixels = [[(255, 255, 255)] * width for _ in range(height)]
    values = [v for v in (*train, *validation)]
    low, high = (min(values), max(values)) if values else (0.0, 1.0)
    span = (high - low) or 1.0
    margin = 20

    def point(index: int, value: float, count: int) -> tuple[int, int]:
        x = margin + (width - 2 * margin) * (index / max(1, count - 1))
        y = height - margin - (height - 2 * margin) * ((value - low) / span)
        return int(round(x)), int(round(y))

    for x in range(margin, width - margin):  # the axes
        pixels[height - margin][x] = (0, 0, 0)
    for y in range(margin, height - margin + 1):
        pixels[y][margin] = (0, 0, 0)
    for series, colour in ((train, TRAIN_COLOUR), (validation, VALIDATION_COLOUR)):
        points = [point(i, v, len(series)) for i, v in enumerate(series)]
        for start, end in zip(points, points[1:]):
            _line(pixels, start, end, colour)
        for x, y in points:
            for dx in (-2, -1, 0, 1, 2):
                for dy in (-2, -1, 0, 1, 2):
                    if 0 <= y + dy < height and 0 <= x + dx < width:
                        pixels[y + dy][x + dx] = colour
    path.write_bytes(_png(pixels))
    return path


def _line(pixels: list, start: tuple[int, int], end: tuple[int, int], colour: tuple) -> None:
    steps = max(abs(end[0] - start[0]), abs(end[1] - start[1]), 1)
    for i in range(steps + 1):
        x = start[0] + (end[0] - start[0]) * i // steps
        y = start[1] + (end[1] - start[1]) * i // steps
        pixels[y][x] = colour


def _png(pixels: list) -> bytes:
    """An 8-bit RGB PNG of ``pixels`` (rows of (r, g, b))."""
    height, width = len(pixels), len(pixels[0])
    raw = b"".join(b"\x00" + bytes(c for pixel in row for c in pixel) for row in pixels)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))
