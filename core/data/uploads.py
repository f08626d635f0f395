"""Turn an uploaded file or a canvas drawing into a 28x28 digit made the way MNIST's own digits were,
or an uploaded photo into a 64x64 RGB face cropped the way the face VAE's CelebA faces were.

Uploads are untrusted: byte size, pixel count, shape and format are checked before any
pixel is decoded, and every failure is an UploadError whose message can be shown as-is.
MNIST's recipe (LeCun et al.): white ink on black, the ink's box scaled so its longer side
is 20 px (aspect kept, antialiased), then placed in 28x28 with its centre of mass at the centre.
CelebA's (core.data.celeba.CROP): the square (0, 20, 178, 198) of a 178 x 218 aligned face, which is
the largest centred square, resized to 64 x 64; face_crop_box's zoom and offsets move that square.
"""
from __future__ import annotations

import io
import math
import warnings
from contextlib import contextmanager
from typing import Callable, Iterator, NamedTuple

import numpy as np
from PIL import ExifTags, Image, ImageDraw, ImageOps, ImageStat
from scipy import ndimage

FORMATS = ("PNG", "JPEG", "GIF", "BMP", "WEBP", "TIFF")
FORMATS_TEXT = "PNG, JPEG, GIF, BMP, WebP or TIFF"
MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 25_000_000  # a 6000 x 4000 camera photo; more is a scan of a poster or a decompression bomb
MIN_SIDE = 8             # fewer pixels cannot show a digit's shape (MNIST itself is 28 x 28)
MAX_ASPECT = 10          # a tightly cropped "1" is about 1:5; 8000 x 10 strips are banners or broken headers
WORK_SIDE = 1024         # photos are box-reduced to this first: the result is 20 px, so nothing is lost
BLANK_CONTRAST = 32      # of 255: ink fainter than this above the paper's grain counts as no ink
INK_THRESHOLD = 0.2      # fraction of the strongest ink that marks the digit's bounding box
FACE_MIN_SIDE = 32       # half the face model's 64 px: smaller crops are mostly guesswork when scaled up
FACE_BACKDROP = (128, 128, 128)  # under transparent pixels of a face photo; why: normalise_face_upload
MAX_ZOOM = 4             # a crop a quarter of the picture's shorter side: a face in a group photo
PREVIEW_OUTLINE = (255, 0, 255)  # magenta: rarer than any other bright colour in skin, hair and backgrounds


class _Subject(NamedTuple):
    """What an upload must show, for the limits and the wording of the messages."""
    noun: str
    min_side: int
    best: str  # the size that works best, named in the too-small message


_DIGIT = _Subject("digit", MIN_SIDE, "28 x 28")
_FACE = _Subject("face", FACE_MIN_SIDE, "64 x 64")
Size = tuple[int, int]            # (width, height) in pixels
Box = tuple[int, int, int, int]   # (left, top, right, bottom) in pixels, right and bottom exclusive as in PIL


class UploadError(ValueError):
    """An upload that cannot become a digit; the message says why and what to upload instead."""


def _unsupported_kind(data: bytes) -> str | None:
    """Name the common non-raster files people try, so the message can say what to do with them."""
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"%pdf"):
        return "PDF documents"
    if head.startswith(b"%!ps") or data[:4] == b"\xc5\xd0\xd3\xc6":
        return "EPS/PostScript files"
    if head.startswith(b"<") and b"<svg" in head:
        return "SVG drawings (shapes, not pixels)"
    if data[4:8] == b"ftyp" and data[8:12] in (b"heic", b"heix", b"hevc", b"mif1", b"msf1", b"avif"):
        return "HEIC/AVIF photos (the iPhone default)"
    return None


def _too_many_pixels(max_pixels: int, noun: str, size=None) -> str:
    what = f"{size[0]} x {size[1]} pixels" if size else "enormous"
    return (f"This picture is {what}, more than the {max_pixels / 1e6:g} megapixels we accept. "
            f"Please crop it to the {noun} or resize it, then upload it again.")


def _check_geometry(size, max_pixels: int, subject: _Subject) -> None:
    w, h = size
    if w * h > max_pixels:
        raise UploadError(_too_many_pixels(max_pixels, subject.noun, size))
    if min(w, h) < subject.min_side:
        raise UploadError(f"This picture is only {w} x {h} pixels, too small to show a {subject.noun}. "
                          f"Please upload one at least {subject.min_side} pixels each way "
                          f"({subject.best} or larger works best).")
    if max(w, h) > MAX_ASPECT * min(w, h):
        raise UploadError(f"This picture is {w} x {h} pixels, a thin strip rather than a {subject.noun}. "
                          f"Please crop it to one {subject.noun} with some margin around it (at most {MAX_ASPECT}:1).")


def _flatten(img: Image.Image, backdrop: tuple[int, int, int] | None = None) -> Image.Image:
    """Composite transparency onto `backdrop`; by default onto white, or onto black when the visible pixels are light.

    A digit drawn on a transparent canvas lives in its opaque strokes; a fixed backdrop
    would swallow strokes of its own colour (white ink on white), so take the contrasting one.
    """
    grey = img.mode in ("LA", "La")
    rgba = img.convert("RGBA")
    if backdrop is None:
        alpha = rgba.getchannel("A")
        visible = ImageStat.Stat(rgba.convert("L"), mask=alpha).mean[0] if alpha.getbbox() else 0.0
        backdrop = (0, 0, 0) if visible > 127 else (255, 255, 255)
    return Image.alpha_composite(Image.new("RGBA", rgba.size, (*backdrop, 255)), rgba).convert("L" if grey else "RGB")


def _to_8bit(img: Image.Image) -> Image.Image:
    """16-bit, 32-bit and float greys scaled from their full range (65535, 255 or 1.0), not clipped at 255."""
    x = np.asarray(img).astype(np.float32)
    top = float(x.max())
    full = 65535.0 if img.mode.startswith("I;16") else next((s for s in (1.0, 255.0, 65535.0) if top <= s), top)
    return Image.fromarray(np.rint(np.clip(x / full, 0, 1) * 255).astype(np.uint8))


def _sane_mode(img: Image.Image, backdrop: tuple[int, int, int] | None = None) -> Image.Image:
    """"L" for grey sources, "RGB" for everything else (CMYK, YCbCr, palette ...); `backdrop` as in _flatten."""
    if img.mode == "P":
        img = img.convert("RGBA" if "transparency" in img.info else "RGB")
    if img.mode in ("I", "F") or img.mode.startswith("I;16"):
        return _to_8bit(img)
    if img.mode in ("LA", "La", "PA", "RGBA", "RGBa"):
        return _flatten(img, backdrop)
    return img.convert("L" if img.mode in ("1", "L") else "RGB")


@contextmanager
def _opened(data: bytes, max_bytes: int, max_pixels: int, subject: _Subject) -> Iterator[Image.Image]:
    """Check the bytes and the header, then yield the image undecoded (so a JPEG can still be drafted smaller).

    Every failure, in here or in the caller's decoding inside the `with`, becomes an UploadError.
    """
    if not data:
        raise UploadError(f"The file is empty (0 bytes). Please upload a {FORMATS_TEXT} picture of a {subject.noun}.")
    if len(data) > max_bytes:
        size_mb = -(-len(data) * 10 // 2**20) / 10  # rounded up, so a file just over never reads "5 MB"
        raise UploadError(f"The file is {size_mb:g} MB, over the {max_bytes / 2**20:.3g} MB limit. "
                          f"Please upload a smaller picture; a cropped photo of the {subject.noun} is plenty.")
    kind = _unsupported_kind(data)
    if kind:
        raise UploadError(f"{kind} can't be read here. Please export or screenshot the {subject.noun} as PNG or JPEG "
                          "and upload that.")
    try:
        with warnings.catch_warnings():  # Pillow's own bomb guard: a warning past its limit, made an error here
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=FORMATS) as img:  # reads the header only
                _check_geometry(img.size, max_pixels, subject)
                yield img
    except UploadError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        raise UploadError(_too_many_pixels(max_pixels, subject.noun)) from e
    except Image.UnidentifiedImageError as e:
        raise UploadError(f"This file is not a picture we can read. Please upload a {FORMATS_TEXT} image.") from e
    except Exception as e:  # damaged files make Pillow raise OSError, SyntaxError, ValueError, struct.error ...
        raise UploadError("This picture seems damaged or incomplete, so it could not be decoded. "
                          "Please save or export it again as PNG or JPEG and upload that.") from e


def read_image(data: bytes, max_bytes: int = MAX_BYTES, max_pixels: int = MAX_PIXELS) -> Image.Image:
    """Uploaded bytes -> an upright "L" or "RGB" image (first frame of animations and multi-page files).

    Raises UploadError for anything that is too big, too small, not an allowed format or damaged.
    """
    with _opened(data, max_bytes, max_pixels, _DIGIT) as img:
        img.load()  # decodes frame 0; truncated data fails here, not later
        return _sane_mode(ImageOps.exif_transpose(img))


def to_mnist(image: Image.Image, invert: bool | str = "auto") -> np.ndarray:
    """One digit on plain paper -> (28, 28) uint8, white ink on black, centred by mass like MNIST.

    `invert`: True for dark ink on light paper, False for light ink on dark; "auto" takes the
    border's median as the paper and the ink as whichever side of it reaches further.
    """
    grey = image.convert("L")
    if max(grey.size) > WORK_SIDE:
        grey = grey.reduce(-(-max(grey.size) // WORK_SIDE))
    x = np.asarray(grey, np.float32)
    border = np.concatenate([x[0], x[-1], x[:, 0], x[:, -1]])
    paper = float(np.median(border))
    grain = 4 * float(np.median(np.abs(border - paper)))  # ~3 sigma of the paper's noise; 0 for clean images
    if invert == "auto":
        invert = paper - x.min() > x.max() - paper
    ink = np.clip(((paper - x) if invert else (x - paper)) - grain, 0, None)
    peak = float(ink.max())
    if peak < BLANK_CONTRAST:
        raise UploadError("This picture looks blank: no pen strokes stand out from the background. "
                          "Please upload a picture of a darker or bigger digit.")
    rows, cols = np.nonzero(ink > INK_THRESHOLD * peak)
    box = ink[rows.min():rows.max() + 1, cols.min():cols.max() + 1]
    scale = 20 / max(box.shape)
    size = (max(1, round(box.shape[1] * scale)), max(1, round(box.shape[0] * scale)))
    small = np.clip(np.asarray(Image.fromarray(box).resize(size, Image.Resampling.LANCZOS)), 0, None)
    cy, cx = ndimage.center_of_mass(small)
    # Clamped so no ink is cut off: a digit whose mass sits far to one side ends slightly off-centre instead.
    top = int(np.clip(round(14 - cy), 0, 28 - small.shape[0]))
    left = int(np.clip(round(14 - cx), 0, 28 - small.shape[1]))
    out = np.zeros((28, 28), np.float32)
    out[top:top + small.shape[0], left:left + small.shape[1]] = small
    return np.rint(out * (255 / out.max())).astype(np.uint8)


def normalise_upload(data: bytes) -> np.ndarray:
    """Uploaded file bytes -> (28, 28) uint8 MNIST-style digit; the one call pages make."""
    return to_mnist(read_image(data))


def normalise_canvas(rgba: np.ndarray) -> np.ndarray:
    """A drawing canvas's (H, W, 4) uint8 RGBA array (strokes over transparency) -> (28, 28) uint8."""
    rgba = np.asarray(rgba)
    if rgba.ndim != 3 or rgba.shape[2] != 4 or rgba.dtype != np.uint8:
        raise ValueError(f"expected an (H, W, 4) uint8 RGBA array, got {rgba.shape} {rgba.dtype}")
    if not rgba[..., 3].any():
        raise UploadError("The canvas is empty. Draw a digit on it first.")
    return to_mnist(_flatten(Image.fromarray(rgba)))


def _check_view(zoom: float, dx: float, dy: float) -> None:
    """Reject a zoom or offset outside its slider's range before any work is done with it."""
    if not 1 <= zoom <= MAX_ZOOM:
        raise UploadError(f"The zoom must be between 1 and {MAX_ZOOM} (got {zoom}).")
    for name, shift in (("horizontal offset dx", dx), ("vertical offset dy", dy)):
        if not -1 <= shift <= 1:
            raise UploadError(f"The {name} must be between -1 and 1 (got {shift}).")


def face_crop_box(size: Size, zoom: float = 1.0, dx: float = 0.0, dy: float = 0.0) -> Box:
    """The square (left, top, right, bottom) to crop from a (width, height) picture, always inside it.

    Zoom 1 is the largest centred square (CelebA's own crop of its 178 x 218 faces); zoom z shrinks its side
    z-fold; dx, dy move its centre by that fraction of the room on each side (-1 left/top edge, +1 right/bottom).
    """
    _check_view(zoom, dx, dy)
    w, h = size
    side = max(1, round(min(w, h) / zoom))
    left, top = round((w - side) * (1 + dx) / 2), round((h - side) * (1 + dy) / 2)
    return left, top, left + side, top + side


def _read_face(data: bytes, scale_for: Callable[[Size], float]) -> tuple[Image.Image, Size, float]:
    """Uploaded photo -> (upright "L" or "RGB" image, its full-scale upright size, the image's scale of that size).

    A JPEG is decoded at the smallest 1/2, 1/4 or 1/8 scale still at least `scale_for(stored size)` of full size,
    as core.data.celeba.face decodes the training faces: a 6000 x 4000 photo needs no 24 MP decode for a 64 px face.
    """
    with _opened(data, MAX_BYTES, MAX_PIXELS, _FACE) as img:
        raw = img.size
        scale = min(1.0, scale_for(raw))  # callers' scales depend on the sides' lengths, not on their order
        drafted = img.draft(None, (max(1, math.ceil(raw[0] * scale)), max(1, math.ceil(raw[1] * scale))))
        scale = drafted[1][2] / raw[0] if drafted else 1.0
        img.load()
        quarter_turn = img.getexif().get(ExifTags.Base.Orientation, 1) in (5, 6, 7, 8)  # as exif_transpose reads it
        ImageOps.exif_transpose(img, in_place=True)  # in place: no copy of a big upright photo
        return _sane_mode(img, FACE_BACKDROP), (raw[::-1] if quarter_turn else raw), scale


def normalise_face_upload(data: bytes, size: int = 64, zoom: float = 1.0, dx: float = 0.0,
                          dy: float = 0.0) -> tuple[np.ndarray, Box]:
    """Uploaded photo -> ((size, size, 3) uint8 RGB face, the crop box used, in the upright picture's pixels).

    The picture is turned upright by its EXIF orientation first, then cropped by face_crop_box and resized with
    Lanczos (box-reduced first when much larger): a CelebA face uploaded as it is gives its training array.
    Transparent pixels become mid-grey (128, 128, 128), not white: CelebA's backgrounds run from white walls to
    dark rooms, grey is nearest to all of them, and a cut-out's white shirt or blond hair keeps its edge against it.
    Pictures under FACE_MIN_SIDE (32) pixels on their shorter side are refused.
    """
    _check_view(zoom, dx, dy)
    img, full, scale = _read_face(data, lambda raw: size * zoom / min(raw))  # the crop at least `size` px
    box = face_crop_box(full, zoom, dx, dy)
    face = img.resize((size, size), Image.Resampling.LANCZOS, box=tuple(v * scale for v in box), reducing_gap=3.0)
    return np.asarray(face.convert("RGB")), box


def face_preview(data: bytes, box: Box, max_side: int = 256) -> np.ndarray:
    """The whole upright picture, longer side at most `max_side`, with `box` outlined 2 px wide: the crop in use."""
    img, full, _ = _read_face(data, lambda raw: max_side / max(raw))
    k = min(1.0, max_side / max(full))
    shown = img.resize((max(1, round(full[0] * k)), max(1, round(full[1] * k))), Image.Resampling.LANCZOS,
                       reducing_gap=3.0).convert("RGB")
    left, top, right, bottom = (round(v * k) for v in box)
    outline = (max(0, left), max(0, top), min(shown.width, right) - 1, min(shown.height, bottom) - 1)
    ImageDraw.Draw(shown).rectangle(outline, outline=PREVIEW_OUTLINE, width=2)
    return np.asarray(shown)
