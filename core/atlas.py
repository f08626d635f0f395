"""A decode atlas: a plane through latent space decoded once, n x n cells, packed into one sprite sheet.

A browser that holds the sheet shows the decoder's digit under a moving pointer by copying one cell, at display
rate and without asking the server (dashboard/live_plane.py). The plane is the square [-extent, extent]² in
standard-deviation units ("plane coordinates"); latent point = center + x·axes[0] + y·axes[1]. It is cut into
n x n equal cells, each decoded at its centre; row 0 is the top (largest y), as the Decoded grid draws it, and
the sheet holds cell (row, col) at pixels [row·h, (row + 1)·h) x [col·w, (col + 1)·w).

The same mapping is written out in the component's JavaScript (dashboard/live_plane.py): a point at fraction (u, v)
of the plane's width and height from its top-left corner has plane coordinates (-e + 2e·u, e - 2e·v) and lies in
cell (floor(v·n), floor(u·n)). tests/test_browser.py checks that the two agree.
"""
from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np

from .images import tile, to_uint8
from .latent import plane_coordinates, plane_points

CELLS = 96  # 96 x 96 cells: 0.06 standard deviations a cell at the usual ±2.75, finer than a hand can aim
# WebP at quality 90: the 96 x 96 sheet of 28-pixel digits (2688 px square) is about half its PNG's size (measured
# when this was chosen: 1.6 and 1.4 MB for the two 2-D models' sheets, against 2.8 and 2.6 MB at PNG's best
# compression) and every pixel stays within 14 grey levels of the decoder's (about 5%; a mean under 1): no visible
# difference, even drawn ten times larger. Quality 80 saves another 0.4 MB or so but about doubles the worst
# error. tests/test_atlas.py holds the sheet to SPRITE_MAX_ERROR. Encoder method 0 (libwebp's fastest; Pillow's
# default is 4): measured on the 2-D VAE's sheet, 290 ms against 648, 1.52 MB against 1.50, worst error 12 grey levels
# against 13; on a live slider's 33 faces 6 ms against 19, 50 KB against 47, PSNR 34.9 dB against 35.0. Sprites are
# built while people move other controls, on the same cores.
SPRITE_FORMAT, SPRITE_MIME, SPRITE_QUALITY, SPRITE_METHOD = "WEBP", "image/webp", 90, 0
SPRITE_MAX_ERROR = 16  # grey levels (of 255): the most any pixel of the encoded sheet may differ from the decoder's


@dataclass(frozen=True)
class Atlas:
    """Which plane an atlas covers and how finely: the maths shared by the sheet, the page and the browser."""
    center: np.ndarray  # (latent_dim,)
    axes: np.ndarray    # (2, latent_dim): one unit of plane coordinates along x, then along y
    extent: float       # the plane spans [-extent, extent] along each axis
    n: int = CELLS

    def __post_init__(self):
        if self.n < 1 or not self.extent > 0:
            raise ValueError(f"an atlas needs at least one cell and a positive extent, got n={self.n}, "
                             f"extent={self.extent}")

    @property
    def cell_size(self) -> float:
        """One cell's width (and height) in plane coordinates."""
        return 2 * self.extent / self.n

    def steps(self) -> np.ndarray:
        """The cells' centres along one axis, ascending: (n,) plane coordinates."""
        return -self.extent + (np.arange(self.n) + 0.5) * self.cell_size

    def points(self) -> np.ndarray:
        """Every cell's centre in latent space, (n·n, latent_dim), row-major from the top-left cell."""
        steps = self.steps()
        return plane_points(self.center, self.axes[0], self.axes[1], steps, steps)

    def to_plane(self, latent) -> np.ndarray:
        """Latent points (N, d) or (d,) -> plane coordinates (N, 2) or (2,)."""
        latent = np.asarray(latent, np.float64)
        out = plane_coordinates(latent.reshape(-1, latent.shape[-1]), self.center, self.axes)
        return out[0] if latent.ndim == 1 else out

    def to_latent(self, xy) -> np.ndarray:
        """Plane coordinates (N, 2) or (2,) -> latent points (N, d) or (d,), float32."""
        xy = np.asarray(xy, np.float64)
        return (np.asarray(self.center, np.float64) + xy @ np.asarray(self.axes, np.float64)).astype(np.float32)

    def cell_of(self, xy) -> np.ndarray:
        """The (row, col) of the cell holding each plane point (N, 2) or (2,), an int array (N, 2) or (2,); a point
        on the plane's right or bottom edge belongs to the last cell. Raises ValueError for a point off the plane."""
        xy = np.asarray(xy, np.float64)
        if not np.all(np.abs(xy) <= self.extent):
            raise ValueError(f"a point outside the plane [-{self.extent:g}, {self.extent:g}]²")
        col = np.floor((xy[..., 0] + self.extent) / self.cell_size)
        row = np.floor((self.extent - xy[..., 1]) / self.cell_size)
        return np.clip(np.stack([row, col], axis=-1), 0, self.n - 1).astype(int)

    def centre_of(self, row, col) -> np.ndarray:
        """Plane coordinates of the centre of cell (row, col): (2,) for one cell, (N, 2) for arrays of them."""
        steps = self.steps()
        row, col = np.asarray(row), np.asarray(col)
        if np.any((row < 0) | (row >= self.n) | (col < 0) | (col >= self.n)):
            raise ValueError(f"cells run from (0, 0) to ({self.n - 1}, {self.n - 1})")
        return np.stack([steps[col], steps[self.n - 1 - row]], axis=-1)

    def contains(self, xy) -> bool:
        """Whether a plane point (2,) lies on the plane."""
        return bool(np.all(np.abs(np.asarray(xy, np.float64)) <= self.extent))


def sheet(model, atlas: Atlas, labels=None) -> np.ndarray:
    """The decoder's digit at every cell's centre, tiled into one uint8 picture (n·h, n·w), cell (0, 0) top-left."""
    digits = model.decode(atlas.points(), labels)
    return to_uint8(tile(digits, atlas.n, atlas.n))


def encode_sheet(pixels: np.ndarray) -> bytes:
    """The sheet as the browser receives it (SPRITE_FORMAT; see there for why)."""
    from PIL import Image
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format=SPRITE_FORMAT, quality=SPRITE_QUALITY, method=SPRITE_METHOD)
    return buffer.getvalue()


def decode_sheet(data: bytes, mode: str = "L") -> np.ndarray:
    """An encoded sheet (WebP, or a live slider's PNG) back to grey levels, uint8 (mode "RGB": colour), as the
    browser will draw it."""
    from PIL import Image
    return np.asarray(Image.open(io.BytesIO(data)).convert(mode))


def cell(pixels: np.ndarray, row: int, col: int, n: int) -> np.ndarray:
    """Cell (row, col) of a sheet of n x n cells."""
    h, w = pixels.shape[0] // n, pixels.shape[1] // n
    return pixels[row * h:(row + 1) * h, col * w:(col + 1) * w]
