"""A live slider's frames: the pictures decoded in advance along a slider's range, so that a browser can redraw the
picture under the thumb while it is dragged, without asking the server (dashboard/live_slider.py).

A slider runs from `low` to `high` in steps of `step`; its positions are the stops 0 .. n_stops - 1 (value =
low + stop · step). Frames sit on some of those stops: every stop when there are FRAMES or fewer, else FRAMES
stops spread evenly from the first to the last, plus any `anchors` (values that must be frames, such as a walk's
two ends inside its overshoot), so a thumb on a frame's stop shows that exact picture and one between two frames
shows a blend of them. A pointer past either end of the track holds the thumb at that end.

The sprite packs every picture of every frame into one sheet: a frame is K pictures of h x w (one page picture
each, in page order), and picture k of frame f is cell f·K + k of a grid `cols` cells wide, row-major. The same
maths is written out in the component's JavaScript (live_slider.js); tests/test_browser_sliders.py checks that they
agree.
"""
from __future__ import annotations

import io
import math
from dataclasses import dataclass

import numpy as np

from .atlas import SPRITE_MIME, encode_sheet
from .images import to_uint8

FRAMES = 33  # frames along a range: at 0.25 of a standard deviation apart over ±4, neighbours differ little
# A sprite is PNG, every pixel the decoder's, when that takes at most LOSSLESS_BUDGET bytes (33 digits: 12 KB, in
# a millisecond; lossless WebP was no smaller and up to 30 times slower to write). Larger ones, such as 33 faces
# (300 KB as PNG), are core.atlas's lossy WebP (69 KB for those faces, in 20 ms), within SPRITE_MAX_ERROR grey
# levels of the decoder's.
LOSSLESS_BUDGET = 150_000
SPRITE_GOAL = 300_000  # bytes: the most a sprite should take (bench.sliders reports each against it)


@dataclass(frozen=True)
class Track:
    """A slider's range and step: the values it can take, and which of them are frames."""
    low: float
    high: float
    step: float

    def __post_init__(self):
        if not (math.isfinite(self.low) and math.isfinite(self.high) and self.high > self.low and self.step > 0):
            raise ValueError(f"a slider needs low < high and a positive step, got {self.low}, {self.high}, "
                             f"{self.step}")
        if abs(self.span / self.step - round(self.span / self.step)) > 1e-6:
            raise ValueError(f"the step {self.step:g} does not divide the range {self.low:g} to {self.high:g}")

    @property
    def span(self) -> float:
        return self.high - self.low

    @property
    def stops(self) -> int:
        """How many values the slider can take, both ends included."""
        return round(self.span / self.step) + 1

    @property
    def decimals(self) -> int:
        """Decimals that write every value exactly: the step's."""
        text = f"{self.step:.10f}".rstrip("0")
        return len(text.split(".")[1]) if "." in text else 0

    def value(self, stop) -> np.ndarray | float:
        """The value at a stop (or an array of stops), rounded to the step's decimals."""
        values = np.round(self.low + np.asarray(stop, np.float64) * self.step, self.decimals)
        return float(values) if values.ndim == 0 else values

    def stop(self, value) -> int:
        """The stop nearest a value; a value past either end (a pointer beyond the track) is held at that end."""
        if not math.isfinite(value):
            raise ValueError(f"not a number: {value}")
        return int(min(max(round((value - self.low) / self.step), 0), self.stops - 1))

    def snap(self, value) -> float:
        """The value the slider takes for any number: the nearest stop's, the ends for anything beyond them."""
        return self.value(self.stop(value))

    def frame_stops(self, n: int = FRAMES, anchors=()) -> np.ndarray:
        """The stops that are frames, ascending: every stop when there are n or fewer, else n spread evenly from
        end to end (both ends included), each anchor inside the range taking the place of the nearest of them
        (but an end, which stays)."""
        if self.stops <= n:
            return np.arange(self.stops)
        stops = np.rint(np.linspace(0, self.stops - 1, n)).astype(int)
        extra = []
        for anchor in (self.stop(a) for a in anchors if self.low <= a <= self.high):
            nearest = int(np.argmin(np.abs(stops - anchor)))
            if 0 < nearest < n - 1:
                stops[nearest] = anchor
            else:
                extra.append(anchor)
        return np.unique(np.concatenate([stops, np.asarray(extra, int)]))

    def frame_values(self, n: int = FRAMES, anchors=()) -> np.ndarray:
        return self.value(self.frame_stops(n, anchors))

    def frame_position(self, value, frame_stops: np.ndarray) -> tuple[int, int, float]:
        """Which frames show a value: (a, b, w), the frames on either side of its stop and the weight of b in
        their blend (0 on a frame: then a is that frame and b the next, or a itself at the last)."""
        stop = self.stop(value)
        b = int(np.searchsorted(frame_stops, stop, side="right"))
        a = max(b - 1, 0)
        if b >= len(frame_stops):
            return a, a, 0.0
        return a, b, (stop - frame_stops[a]) / (frame_stops[b] - frame_stops[a])

    def nearest_frame(self, value, frame_stops: np.ndarray) -> int:
        a, b, w = self.frame_position(value, frame_stops)
        return b if w > 0.5 else a


def walk_track(overshoot: float, step: float = 0.01) -> Track:
    """The track of a walk's parameter t: from 0 (the start) to 1 (the end), and past both by the overshoot."""
    if overshoot < 0:
        raise ValueError("overshoot must not be negative")
    return Track(round(-overshoot, 10), round(1.0 + overshoot, 10), step)


# ---------------------------------------------------------------- the sprite

@dataclass(frozen=True)
class Layout:
    """Where each picture of each frame sits in the sprite (see the module's docstring)."""
    frames: int
    per_frame: int   # K: pictures a frame, one per page picture
    height: int
    width: int
    cols: int

    def cell(self, frame: int, picture: int) -> tuple[int, int]:
        """(top, left) of picture `picture` of frame `frame`, in sprite pixels."""
        if not (0 <= frame < self.frames and 0 <= picture < self.per_frame):
            raise ValueError(f"frames run to {self.frames - 1}, pictures to {self.per_frame - 1}")
        row, col = divmod(frame * self.per_frame + picture, self.cols)
        return row * self.height, col * self.width

    def as_dict(self) -> dict:
        return {"frames": self.frames, "per_frame": self.per_frame, "h": self.height, "w": self.width,
                "cols": self.cols}


def as_frames(images, n_frames: int) -> np.ndarray:
    """A frames callable's result as uint8 (F, K, h, w[, 3]): (F, h, w[, 3]) is one picture a frame."""
    x = np.asarray(images)
    x = x if x.dtype == np.uint8 else to_uint8(x)
    if x.ndim >= 1 and len(x) != n_frames:
        raise ValueError(f"expected {n_frames} frames, got {len(x)}")
    if x.ndim == 3 or (x.ndim == 4 and x.shape[-1] == 3):  # one picture a frame
        x = x[:, None]
    if x.ndim not in (4, 5) or (x.ndim == 5 and x.shape[-1] != 3):
        raise ValueError(f"frames are (F, h, w), (F, h, w, 3), (F, K, h, w) or (F, K, h, w, 3), got {x.shape}")
    return x


def pack(frames: np.ndarray) -> tuple[np.ndarray, Layout]:
    """uint8 frames (F, K, h, w[, 3]) as one sheet, about square, and where each picture is in it."""
    n_frames, per_frame, height, width = frames.shape[:4]
    count = n_frames * per_frame
    cols = max(1, min(count, math.ceil(math.sqrt(count * height / width))))
    rows = math.ceil(count / cols)
    layout = Layout(n_frames, per_frame, height, width, cols)
    sheet = np.zeros((rows * height, cols * width, *frames.shape[4:]), np.uint8)
    for index, picture in enumerate(frames.reshape(count, *frames.shape[2:])):
        top, left = layout.cell(*divmod(index, per_frame))
        sheet[top:top + height, left:left + width] = picture
    return sheet, layout


def picture(sheet: np.ndarray, layout: Layout, frame: int, index: int) -> np.ndarray:
    """Picture `index` of frame `frame`, cut from a sheet."""
    top, left = layout.cell(frame, index)
    return sheet[top:top + layout.height, left:left + layout.width]


def encode(sheet: np.ndarray, budget: int = LOSSLESS_BUDGET) -> tuple[bytes, str]:
    """The sheet as the browser receives it, and its MIME type (see LOSSLESS_BUDGET for the choice). PNG is not
    even tried on more than twice the budget in pixels: to fit, it would have to halve them losslessly, which
    decoded digits do and decoded faces never do (33 faces: 405 KB of pixels, 300 KB as PNG, written for nothing)."""
    if sheet.nbytes <= 2 * budget:
        from PIL import Image
        buffer = io.BytesIO()
        Image.fromarray(sheet).save(buffer, format="PNG", compress_level=6)
        if buffer.tell() <= budget:
            return buffer.getvalue(), "image/png"
    return encode_sheet(sheet), SPRITE_MIME
