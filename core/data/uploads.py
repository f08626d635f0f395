"""Turn an uploaded file or a canvas drawing into a 28x28 digit made the way MNIST's own digits were.

Uploads are untrusted: byte size, pixel count, shape and format are checked before any
pixel is decoded, and every failure is an UploadError whose message can be shown as-is.
MNIST's recipe (LeCun et al.): white ink on black, the ink's box scaled so its longer side
is 20 px (aspect kept, antialiased), then placed in 28x28 with its centre of mass at the centre.
"""
from __future__ import annotations

import io
import warnings

import numpy as np
from PIL import Image, ImageOps, ImageStat
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


def _too_many_pixels(max_pixels: int, size=None) -> str:
    what = f"{size[0]} x {size[1]} pixels" if size else "enormous"
    return (f"This picture is {what}, more than the {max_pixels / 1e6:g} megapixels we accept. "
            "Please crop it to the digit or resize it, then upload it again.")


def _check_geometry(size, max_pixels: int) -> None:
    w, h = size
    if w * h > max_pixels:
        raise UploadError(_too_many_pixels(max_pixels, size))
    if min(w, h) < MIN_SIDE:
        raise UploadError(f"This picture is only {w} x {h} pixels, too small to show a digit. "
                          f"Please upload one at least {MIN_SIDE} pixels each way (28 x 28 or larger works best).")
    if max(w, h) > MAX_ASPECT * min(w, h):
        raise UploadError(f"This picture is {w} x {h} pixels, a thin strip rather than a digit. "
                          f"Please crop it to one digit with some margin around it (at most {MAX_ASPECT}:1).")


def _flatten(img: Image.Image) -> Image.Image:
    """Composite transparency onto white, or onto black when the visible pixels are light.

    A digit drawn on a transparent canvas lives in its opaque strokes; a fixed backdrop
    would swallow strokes of its own colour (white ink on white), so take the contrasting one.
    """
    grey = img.mode in ("LA", "La")
    rgba = img.convert("RGBA")
    alpha = rgba.getchannel("A")
    visible = ImageStat.Stat(rgba.convert("L"), mask=alpha).mean[0] if alpha.getbbox() else 0.0
    backdrop = Image.new("RGBA", rgba.size, (0, 0, 0, 255) if visible > 127 else (255, 255, 255, 255))
    return Image.alpha_composite(backdrop, rgba).convert("L" if grey else "RGB")


def _to_8bit(img: Image.Image) -> Image.Image:
    """16-bit, 32-bit and float greys scaled from their full range (65535, 255 or 1.0), not clipped at 255."""
    x = np.asarray(img).astype(np.float32)
    top = float(x.max())
    full = 65535.0 if img.mode.startswith("I;16") else next((s for s in (1.0, 255.0, 65535.0) if top <= s), top)
    return Image.fromarray(np.rint(np.clip(x / full, 0, 1) * 255).astype(np.uint8))


def _sane_mode(img: Image.Image) -> Image.Image:
    """"L" for grey sources, "RGB" for everything else (CMYK, YCbCr, palette ...)."""
    if img.mode == "P":
        img = img.convert("RGBA" if "transparency" in img.info else "RGB")
    if img.mode in ("I", "F") or img.mode.startswith("I;16"):
        return _to_8bit(img)
    if img.mode in ("LA", "La", "PA", "RGBA", "RGBa"):
        return _flatten(img)
    return img.convert("L" if img.mode in ("1", "L") else "RGB")


def read_image(data: bytes, max_bytes: int = MAX_BYTES, max_pixels: int = MAX_PIXELS) -> Image.Image:
    """Uploaded bytes -> an upright "L" or "RGB" image (first frame of animations and multi-page files).

    Raises UploadError for anything that is too big, too small, not an allowed format or damaged.
    """
    if not data:
        raise UploadError(f"The file is empty (0 bytes). Please upload a {FORMATS_TEXT} picture of a digit.")
    if len(data) > max_bytes:
        size_mb = -(-len(data) * 10 // 2**20) / 10  # rounded up, so a file just over never reads "5 MB"
        raise UploadError(f"The file is {size_mb:g} MB, over the {max_bytes / 2**20:.3g} MB limit. "
                          "Please upload a smaller picture; a cropped photo of the digit is plenty.")
    kind = _unsupported_kind(data)
    if kind:
        raise UploadError(f"{kind} can't be read here. Please export or screenshot the digit as PNG or JPEG "
                          "and upload that.")
    try:
        with warnings.catch_warnings():  # Pillow's own bomb guard: a warning past its limit, made an error here
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=FORMATS) as img:  # reads the header only
                _check_geometry(img.size, max_pixels)
                img.load()  # decodes frame 0; truncated data fails here, not later
                return _sane_mode(ImageOps.exif_transpose(img))
    except UploadError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        raise UploadError(_too_many_pixels(max_pixels)) from e
    except Image.UnidentifiedImageError as e:
        raise UploadError(f"This file is not a picture we can read. Please upload a {FORMATS_TEXT} image.") from e
    except Exception as e:  # damaged files make Pillow raise OSError, SyntaxError, ValueError, struct.error ...
        raise UploadError("This picture seems damaged or incomplete, so it could not be decoded. "
                          "Please save or export it again as PNG or JPEG and upload that.") from e


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
