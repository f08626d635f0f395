"""core.data.uploads: a hostile corpus built in memory, and MNIST-style normalisation of real-looking digits."""
import io
import re
import struct
import zlib

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageOps
from scipy import ndimage

from core.data.uploads import (MAX_BYTES, UploadError, _flatten, _sane_mode, normalise_canvas, normalise_upload,
                               read_image, to_mnist)


def encode(img: Image.Image, fmt: str = "PNG", **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    return buf.getvalue()


def paper_digit(size=(90, 120), corner=(6, 8)) -> Image.Image:
    """A thick black "1" (flag and foot included, so its mass is off its box centre) on white paper, near a corner."""
    img = Image.new("L", size, 255)
    x, y = corner
    draw = ImageDraw.Draw(img)
    draw.line([(x + 20, y), (x + 20, y + 50)], fill=0, width=7)
    draw.line([(x + 20, y), (x + 6, y + 12)], fill=0, width=6)
    draw.line([(x + 10, y + 50), (x + 30, y + 50)], fill=0, width=5)
    return img


def bar(size=(60, 60), vertical=True, mode="L") -> Image.Image:
    """A black bar on white, upright or lying down, to tell which page, frame or orientation was read."""
    img = Image.new("L", size, 255)
    w, h = size
    box = (w // 2 - 3, 5, w // 2 + 3, h - 5) if vertical else (5, h // 2 - 3, w - 5, h // 2 + 3)
    ImageDraw.Draw(img).rectangle(box, fill=0)
    return img.convert(mode)


def ink_box(digit: np.ndarray) -> tuple[int, int]:
    rows, cols = np.nonzero(digit)
    return rows.max() - rows.min() + 1, cols.max() - cols.min() + 1


def is_upright(digit: np.ndarray) -> bool:
    h, w = ink_box(digit > 128)
    return h > w


def claimed_size_png(w: int, h: int) -> bytes:
    """A 16x16 PNG whose header is rewritten (CRC fixed) to claim w x h: a decompression bomb's opening move."""
    raw = bytearray(encode(Image.new("L", (16, 16), 255)))
    raw[16:24] = struct.pack(">II", w, h)
    raw[29:33] = struct.pack(">I", zlib.crc32(bytes(raw[12:29])))
    return bytes(raw)


def noisy_photo() -> Image.Image:
    """Grey, unevenly lit paper with sensor noise and a dark digit: what a phone photo looks like."""
    rng = np.random.default_rng(0)
    ink = np.asarray(paper_digit((160, 140), corner=(50, 40)), np.float32) < 128
    page = 200 + np.linspace(-12, 12, 160)[None, :] + rng.normal(0, 5, (140, 160)) - 150 * ink
    return Image.fromarray(np.clip(page, 0, 255).astype(np.uint8))


def rgba_strokes(light: bool) -> Image.Image:
    """Strokes on a fully transparent background; the transparent pixels' hidden colour matches the strokes."""
    colour = 255 if light else 0
    alpha = ImageOps.invert(paper_digit())
    return Image.merge("RGBA", [Image.new("L", alpha.size, colour)] * 3 + [alpha])


def palette_with_transparency(fmt: str) -> bytes:
    img = paper_digit().convert("P")  # white paper becomes palette index 255
    return encode(img, fmt, transparency=255)


def multipage_tiff() -> bytes:
    return encode(bar(vertical=True), "TIFF", save_all=True, append_images=[bar((80, 50), vertical=False)])


def animated_gif() -> bytes:
    return encode(bar(vertical=True), "GIF", save_all=True, append_images=[bar(vertical=False)], duration=100, loop=0)


def exif_rotated_jpeg() -> bytes:
    """A tall bar stored upright whose EXIF says "rotate 90 degrees to view", as phones write it."""
    exif = Image.Exif()
    exif[0x0112] = 6
    return encode(bar((40, 100), vertical=True), "JPEG", exif=exif.tobytes())


def sixteen_bit_png() -> bytes:
    x = (65535 - np.asarray(paper_digit(), np.uint16) * 257).astype(np.uint16)  # white ink, 16-bit
    return encode(Image.fromarray(x))


def truncated(fmt: str) -> bytes:
    data = encode(noisy_photo(), fmt)
    return data[: len(data) // 2]


DIGIT = "digit"
CORPUS = {
    "zero bytes": (lambda: b"", r"empty \(0 bytes\)"),
    "text named .png": (lambda: b"hello", r"not a picture we can read.*PNG, JPEG"),
    "truncated PNG": (lambda: truncated("PNG"), r"damaged or incomplete"),
    "truncated JPEG": (lambda: truncated("JPEG"), r"damaged or incomplete"),
    "bomb header 20000x20000 (Pillow error)": (lambda: claimed_size_png(20000, 20000), r"megapixels"),
    "bomb header 10000x10000 (Pillow warning)": (lambda: claimed_size_png(10000, 10000), r"megapixels"),
    "genuine 6000x4500 (project limit)": (lambda: encode(Image.new("L", (6000, 4500))),
                                          r"6000 x 4500 pixels.*25 megapixels"),
    "1x1": (lambda: encode(Image.new("L", (1, 1))), r"only 1 x 1 pixels, too small"),
    "8000x10": (lambda: encode(Image.new("L", (8000, 10))), r"8000 x 10 pixels, a thin strip"),
    "SVG": (lambda: b'<svg xmlns="http://www.w3.org/2000/svg"><path d="M10 0 V50"/></svg>', r"SVG"),
    "SVG with XML prolog": (lambda: b'<?xml version="1.0"?>\n<svg width="28" height="28"></svg>', r"SVG"),
    "PDF": (lambda: b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n", r"PDF documents can't be read"),
    "HEIC": (lambda: b"\x00\x00\x00\x18ftypheic" + bytes(64), r"HEIC"),
    "PPM (readable, not allowed)": (lambda: encode(paper_digit(), "PPM"), r"not a picture we can read"),
    "over-size file": (lambda: b"\x89PNG\r\n\x1a\n" + bytes(MAX_BYTES), r"5.1 MB, over the 5 MB limit"),
    "blank white page": (lambda: encode(Image.new("L", (64, 64), 255)), r"looks blank"),
    "noise-only grey page": (lambda: encode(Image.fromarray(
        np.random.default_rng(1).normal(200, 4, (64, 64)).astype(np.uint8)), "JPEG"), r"looks blank"),
    "grayscale PNG": (lambda: encode(paper_digit()), DIGIT),
    "1-bit BMP": (lambda: encode(paper_digit().convert("1"), "BMP"), DIGIT),
    "RGB JPEG": (lambda: encode(paper_digit().convert("RGB"), "JPEG"), DIGIT),
    "WebP": (lambda: encode(paper_digit().convert("RGB"), "WEBP"), DIGIT),
    "noisy photo JPEG": (lambda: encode(noisy_photo(), "JPEG", quality=80), DIGIT),
    "RGBA dark strokes": (lambda: encode(rgba_strokes(light=False)), DIGIT),
    "RGBA light strokes": (lambda: encode(rgba_strokes(light=True)), DIGIT),
    "LA PNG": (lambda: encode(rgba_strokes(light=False).convert("LA")), DIGIT),
    "palette PNG with transparency": (lambda: palette_with_transparency("PNG"), DIGIT),
    "palette GIF with transparency": (lambda: palette_with_transparency("GIF"), DIGIT),
    "16-bit PNG (I;16)": (sixteen_bit_png, DIGIT),
    "CMYK JPEG": (lambda: encode(paper_digit().convert("CMYK"), "JPEG"), DIGIT),
    "YCbCr TIFF": (lambda: encode(paper_digit().convert("YCbCr"), "TIFF"), DIGIT),
    "float TIFF (F)": (lambda: encode(Image.fromarray(np.asarray(paper_digit(), np.float32) / 255), "TIFF"), DIGIT),
    "32-bit int TIFF (I)": (lambda: encode(paper_digit().convert("I"), "TIFF"), DIGIT),
    "multi-page TIFF": (multipage_tiff, DIGIT),
    "animated GIF": (animated_gif, DIGIT),
    "EXIF-rotated JPEG": (exif_rotated_jpeg, DIGIT),
}


@pytest.mark.parametrize("name", list(CORPUS))
def test_hostile_corpus_gives_a_digit_or_a_clear_message(name):
    make, expected = CORPUS[name]
    data = make()
    try:
        digit = normalise_upload(data)
    except UploadError as e:
        message = str(e)
        assert expected != DIGIT, f"{name}: unexpected refusal: {message}"
        assert re.search(expected, message), message
        assert message[0].isupper() and message.endswith("."), message
        assert "cannot identify" not in message and "PIL" not in message, message
        return
    assert expected == DIGIT, f"{name}: accepted, expected a refusal matching {expected!r}"
    assert digit.shape == (28, 28) and digit.dtype == np.uint8
    assert digit.max() == 255 and digit[0].max() == digit[-1].max() == 0  # white ink, black margins


def test_first_page_of_a_multipage_tiff_is_used():
    img = read_image(multipage_tiff())
    assert img.size == (60, 60)  # page two is 80 x 50
    assert is_upright(normalise_upload(multipage_tiff()))


def test_first_frame_of_an_animated_gif_is_used():
    assert is_upright(normalise_upload(animated_gif()))


def test_exif_orientation_is_applied():
    img = read_image(exif_rotated_jpeg())
    assert img.size == (100, 40)  # stored 40 x 100, shown rotated
    assert not is_upright(to_mnist(img))


def test_sixteen_bit_greys_are_scaled_not_clipped():
    levels = np.repeat(np.array([[0, 32896, 65535]], np.uint16), 8, axis=1).repeat(8, axis=0)  # 8 x 24
    img = read_image(encode(Image.fromarray(levels)))
    assert img.mode == "L"
    np.testing.assert_array_equal(np.unique(np.asarray(img)), [0, 128, 255])


def test_transparent_light_strokes_are_composited_onto_black():
    img = read_image(encode(rgba_strokes(light=True)))
    x = np.asarray(img.convert("L"))
    assert x[0, 0] == 0 and x.max() == 255  # a white backdrop would have made the strokes vanish


def test_limits_can_be_tightened():
    data = encode(paper_digit())
    with pytest.raises(UploadError, match="MB"):
        read_image(data, max_bytes=len(data) - 1)
    with pytest.raises(UploadError, match="90 x 120 pixels"):
        read_image(data, max_pixels=90 * 120 - 1)


def test_digit_on_paper_comes_out_like_mnist():
    digit = normalise_upload(encode(paper_digit()))
    assert digit.dtype == np.uint8 and digit.shape == (28, 28)
    assert digit.max() == 255 and np.median(digit) == 0  # white ink on black
    h, w = ink_box(digit)
    assert max(h, w) <= 20 and max(h, w) >= 19 and w < h  # longer side fills the 20 px box, aspect kept
    assert np.allclose(ndimage.center_of_mass(digit.astype(float)), (14, 14), atol=1.0)


def stem_and_arm(arm_end: int, arm_width: int) -> Image.Image:
    """A heavy upright stem with an arm to its right: its mass sits left of its box's centre."""
    img = Image.new("L", (100, 100), 255)
    draw = ImageDraw.Draw(img)
    draw.rectangle((10, 10, 22, 70), fill=0)
    draw.rectangle((22, 10, arm_end, 10 + arm_width), fill=0)
    return img


def test_centring_is_by_mass_not_by_box():
    digit = normalise_upload(encode(stem_and_arm(50, 8)))
    rows, cols = np.nonzero(digit)
    assert (cols.min() + cols.max()) / 2 > 16  # box pushed right of centre
    assert np.allclose(ndimage.center_of_mass(digit.astype(float)), (14, 14), atol=1.0)


def test_very_lopsided_digit_is_shifted_only_as_far_as_the_canvas_allows():
    digit = normalise_upload(encode(stem_and_arm(70, 2)))
    assert ink_box(digit) == (20, 20) and digit[:, 27].any()  # nothing cut off, box against the right edge


def test_long_thin_dash_keeps_its_aspect():
    img = Image.new("L", (120, 120), 255)
    ImageDraw.Draw(img).rectangle((20, 54, 99, 65), fill=0)  # 80 x 12
    h, w = ink_box(normalise_upload(encode(img)))
    assert w == 20 and 2 <= h <= 4


@pytest.mark.parametrize("make", [paper_digit, noisy_photo], ids=["clean", "photo"])
def test_inversion_is_detected_both_ways(make):
    dark_on_light = make()
    light_on_dark = ImageOps.invert(dark_on_light)
    auto = to_mnist(dark_on_light)
    assert np.abs(auto.astype(int) - to_mnist(light_on_dark)).max() <= 2
    np.testing.assert_array_equal(auto, to_mnist(dark_on_light, invert=True))
    np.testing.assert_array_equal(to_mnist(light_on_dark), to_mnist(light_on_dark, invert=False))
    with pytest.raises(UploadError, match="blank"):
        to_mnist(dark_on_light, invert=False)  # no ink lighter than the paper


def test_dark_ink_on_mid_grey_paper_is_inverted():
    page = np.asarray(paper_digit(), np.float32) * (110 / 255) + 20  # paper 130, ink 20
    digit = to_mnist(Image.fromarray(page.astype(np.uint8)))
    assert digit.max() == 255 and digit[0].max() == 0


def test_large_photo_is_reduced_before_work():
    img = Image.new("L", (3000, 2000), 255)
    ImageDraw.Draw(img).line([(1500, 300), (1500, 1700)], fill=0, width=120)
    digit = normalise_upload(encode(img))
    assert is_upright(digit) and np.allclose(ndimage.center_of_mass(digit.astype(float)), (14, 14), atol=1.0)


def canvas(stroke=(0, 0, 0, 255), background=(0, 0, 0, 0)) -> np.ndarray:
    img = Image.new("RGBA", (280, 280), background)
    ImageDraw.Draw(img).line([(140, 40), (120, 240)], fill=stroke, width=18)
    return np.asarray(img)


@pytest.mark.parametrize("stroke", [(0, 0, 0, 255), (255, 255, 255, 255), (20, 90, 200, 255)],
                         ids=["black", "white", "blue"])
def test_canvas_strokes_become_a_digit(stroke):
    digit = normalise_canvas(canvas(stroke))
    assert digit.shape == (28, 28) and digit.dtype == np.uint8 and digit[0].max() == 0
    assert is_upright(digit) and np.allclose(ndimage.center_of_mass(digit.astype(float)), (14, 14), atol=1.0)


def test_canvas_with_opaque_background_works():
    assert is_upright(normalise_canvas(canvas((255, 255, 255, 255), background=(0, 0, 0, 255))))


def test_empty_canvas_raises():
    with pytest.raises(UploadError, match=r"^The canvas is empty\. Draw a digit on it first\.$"):
        normalise_canvas(np.zeros((280, 280, 4), np.uint8))
    with pytest.raises(UploadError, match="blank"):
        normalise_canvas(np.full((280, 280, 4), 255, np.uint8))  # opaque white, nothing drawn


def test_canvas_must_be_rgba_uint8():
    with pytest.raises(ValueError, match=r"\(H, W, 4\) uint8"):
        normalise_canvas(np.zeros((28, 28, 3), np.uint8))


@pytest.mark.requires_data
def test_real_mnist_digits_survive_a_round_trip(data_dir):
    """A test digit printed black-on-white at 3x, smoothly scaled, comes back as itself: the recipe matches MNIST's."""
    from core.data import load_mnist
    _, (x_test, _) = load_mnist(data_dir, download=False)

    def corr(a, b):
        return np.corrcoef(a.ravel().astype(float), b.ravel().astype(float))[0, 1]

    plain, best = [], []
    for original in x_test[:50]:
        paper = Image.fromarray(255 - original).resize((84, 84), Image.Resampling.BICUBIC)
        digit = normalise_upload(encode(paper))
        plain.append(corr(digit, original))
        # Integer centring by mass can land a pixel either way of MNIST's own choice.
        best.append(max(corr(np.roll(digit, (dy, dx), (0, 1)), original) for dy in (-1, 0, 1) for dx in (-1, 0, 1)))
    assert np.mean(plain) > 0.9 and min(best) > 0.85, (np.mean(plain), min(best))


# ------------------------------------------------------------------ deep greys: the range each is scaled from


def levels_image(values, dtype) -> bytes:
    """An 8 x 24 grey image of three vertical bands at `values`, as a 16-bit PNG, or a 32-bit int or float TIFF."""
    x = np.repeat(np.array([values], dtype), 8, axis=1).repeat(8, axis=0)
    return encode(Image.fromarray(x), "PNG" if dtype == np.uint16 else "TIFF")


def band_levels(data: bytes) -> list[int]:
    img = read_image(data)
    assert img.mode == "L"
    x = np.asarray(img)
    return [int(x[0, 0]), int(x[0, 8]), int(x[0, 16])]


@pytest.mark.parametrize("dtype", [np.uint16, np.int32], ids=["16-bit PNG", "32-bit TIFF"])
def test_deep_greys_are_scaled_from_65535_exactly(dtype):
    # 65407 / 65535 * 255 = 254.502 rounds up; over 65536 it would be 254.498 and round down
    assert band_levels(levels_image([0, 65407, 65535], dtype)) == [0, 255, 255]


def test_dark_sixteen_bit_image_stays_dark():
    """A 16-bit image is scaled from 65535 whatever its brightest pixel: levels up to 200 are nearly black."""
    assert band_levels(levels_image([0, 100, 200], np.uint16)) == [0, 0, 1]


def test_32_bit_greys_use_the_smallest_range_that_holds_them():
    assert band_levels(levels_image([0, 128, 255], np.int32)) == [0, 128, 255]        # an 8-bit range in 32 bits
    assert band_levels(levels_image([0, 256, 65535], np.int32)) == [0, 1, 255]       # just over 255: 16-bit range
    assert band_levels(levels_image([-7, 50_000, 100_000], np.int32)) == [0, 128, 255]  # beyond: its own maximum


def test_float_greys_are_scaled_from_one_and_negatives_clipped():
    assert band_levels(levels_image([-0.5, 0.5, 1.0], np.float32)) == [0, 128, 255]
    assert band_levels(levels_image([0.0, 1.5, 255.0], np.float32)) == [0, 2, 255]   # over 1: an 8-bit range


# ------------------------------------------------------------------ what read_image hands on: "L" or "RGB"


GREY_SOURCES = ["grayscale PNG", "1-bit BMP", "LA PNG", "16-bit PNG (I;16)", "float TIFF (F)", "32-bit int TIFF (I)",
                "multi-page TIFF"]
COLOUR_SOURCES = ["animated GIF", "RGB JPEG", "WebP", "RGBA dark strokes", "RGBA light strokes", "palette PNG with transparency",
                  "palette GIF with transparency", "CMYK JPEG", "YCbCr TIFF"]


@pytest.mark.parametrize("name", GREY_SOURCES + COLOUR_SOURCES)
def test_read_image_gives_grey_for_grey_sources_and_rgb_for_the_rest(name):
    img = read_image(CORPUS[name][0]())
    assert img.mode == ("L" if name in GREY_SOURCES else "RGB")


@pytest.mark.parametrize("mode,want", [("PA", "RGB"), ("RGBa", "RGB"), ("LA", "L"), ("1", "L"), ("P", "RGB")])
def test_sane_mode_of_modes_no_test_file_decodes_to(mode, want):
    img = Image.new("RGBA", (16, 16), (0, 0, 0, 0))
    ImageDraw.Draw(img).rectangle((4, 4, 11, 11), fill=(0, 0, 0, 255))  # a black square on transparency
    out = _sane_mode(img.convert(mode))
    assert out.mode == want
    if "A" in mode or "a" in mode:  # composited: the transparent margin becomes the white backdrop
        assert np.asarray(out.convert("L"))[0, 0] == 255 and np.asarray(out.convert("L"))[8, 8] == 0


def test_palette_transparency_is_composited_whatever_colour_it_hides():
    """A transparent GIF whose transparent index is black, like its strokes: the backdrop must not be that black."""
    img = Image.new("P", (40, 40), 0)
    img.putpalette([0, 0, 0, 10, 10, 10] + [0] * 762)
    ImageDraw.Draw(img).rectangle((15, 5, 24, 34), fill=1)
    for fmt in ("PNG", "GIF"):
        x = np.asarray(read_image(encode(img, fmt, transparency=0)).convert("L"))
        assert x[0, 0] == 255 and x[20, 20] == 10, fmt


def test_fully_transparent_upload_is_white():
    x = np.asarray(read_image(encode(Image.new("RGBA", (20, 20), (0, 0, 0, 0)))))
    assert x.shape == (20, 20, 3) and (x == 255).all()


@pytest.mark.parametrize("grey,backdrop", [(127, 255), (128, 0)])
def test_backdrop_turns_black_only_when_the_visible_pixels_are_lighter_than_127(grey, backdrop):
    img = Image.new("RGBA", (16, 16), (grey, grey, grey, 0))
    ImageDraw.Draw(img).rectangle((4, 4, 11, 11), fill=(grey, grey, grey, 255))
    out = np.asarray(_flatten(img))
    np.testing.assert_array_equal(out[0, 0], [backdrop] * 3)
    np.testing.assert_array_equal(out[8, 8], [grey] * 3)


def test_half_transparent_pixels_are_blended_with_an_opaque_backdrop():
    img = Image.new("RGBA", (16, 16), (0, 0, 0, 0))
    ImageDraw.Draw(img).rectangle((4, 4, 11, 11), fill=(0, 0, 0, 255))
    img.putpixel((0, 0), (0, 0, 0, 128))
    out = np.asarray(_flatten(img.convert("LA")))
    assert out.ndim == 2 and out[0, 0] == 127 and out[1, 1] == 255 and out[8, 8] == 0


# ------------------------------------------------------------------ limits at their edges, and every named kind


def test_geometry_limits_are_inclusive():
    digit = paper_digit((90, 120))
    assert read_image(encode(digit), max_pixels=90 * 120).size == (90, 120)       # exactly the limit: accepted
    assert read_image(encode(Image.new("L", (8, 8))), max_pixels=64).size == (8, 8)  # MIN_SIDE each way
    assert read_image(encode(Image.new("L", (80, 8)))).size == (80, 8)             # exactly 10:1
    with pytest.raises(UploadError, match=r"^This picture is only 7 x 8 pixels, too small to show a digit\. "
                                          r"Please upload one at least 8 pixels each way"):
        read_image(encode(Image.new("L", (7, 8))))
    with pytest.raises(UploadError, match=r"^This picture is 81 x 8 pixels, a thin strip rather than a digit\. "
                                          r".*\(at most 10:1\)\.$"):
        read_image(encode(Image.new("L", (81, 8))))
    with pytest.raises(UploadError, match=r"^This picture is 90 x 120 pixels, more than the 0\.010799 megapixels"
                                          r" we accept\. Please crop it"):
        read_image(encode(digit), max_pixels=90 * 120 - 1)
    data = encode(digit)
    assert read_image(data, max_bytes=len(data)).size == (90, 120)
    with pytest.raises(UploadError, match=r"^The file is 0\.1 MB, over the 0\.00042 MB limit\. Please upload a "
                                          r"smaller picture; a cropped photo of the digit is plenty\.$"):
        read_image(data + bytes(100_000 - len(data)), max_bytes=440)


@pytest.mark.parametrize("data,kind", [
    (b"%!PS-Adobe-3.0 EPSF-3.0\n", "EPS/PostScript files"),
    (b"\xc5\xd0\xd3\xc6" + bytes(40), "EPS/PostScript files"),             # DOS EPS binary header
    (b"\xef\xbb\xbf \r\n\t%PDF-1.4\n", "PDF documents"),                    # BOM and whitespace first
    (b"\n  <svg xmlns='http://www.w3.org/2000/svg'/>", "SVG drawings (shapes, not pixels)"),
    *[(b"\x00\x00\x00\x1cftyp" + brand + bytes(40), "HEIC/AVIF photos (the iPhone default)")
      for brand in (b"heic", b"heix", b"hevc", b"mif1", b"msf1", b"avif")],
])
def test_every_named_non_raster_kind_is_named(data, kind):
    with pytest.raises(UploadError) as e:
        read_image(data)
    assert str(e.value) == (f"{kind} can't be read here. Please export or screenshot the digit as PNG or JPEG "
                            "and upload that.")


@pytest.mark.parametrize("data", [b"<html><body>a page</body></html>", b"x<svg></svg>",
                                  b"\x00\x00\x00\x1cftypisom" + bytes(40)],
                         ids=["HTML", "svg not first", "MP4"])
def test_lookalikes_are_not_named_as_those_kinds(data):
    with pytest.raises(UploadError, match=r"^This file is not a picture we can read\. Please upload a PNG, JPEG, "
                                          r"GIF, BMP, WebP or TIFF image\.$"):
        read_image(data)


def test_whole_messages_for_empty_damaged_and_bomb_files():
    with pytest.raises(UploadError, match=r"^The file is empty \(0 bytes\)\. Please upload a PNG, JPEG, GIF, BMP, "
                                          r"WebP or TIFF picture of a digit\.$"):
        read_image(b"")
    with pytest.raises(UploadError, match=r"^This picture seems damaged or incomplete, so it could not be decoded\. "
                                          r"Please save or export it again as PNG or JPEG and upload that\.$"):
        read_image(truncated("PNG"))
    with pytest.raises(UploadError, match=r"^This picture is enormous, more than the 25 megapixels we accept\. "
                                          r"Please crop it to the digit or resize it, then upload it again\.$"):
        read_image(claimed_size_png(20000, 20000))


@pytest.mark.parametrize("contrast,accepted", [(48, True), (47, False)])
def test_ink_must_clear_the_papers_grain_by_32_levels(contrast, accepted):
    """Paper 200 whose border alternates 196/204 (median deviation 4, so grain 4 x 4 = 16): ink 48 levels darker
    clears the grain by exactly BLANK_CONTRAST (32) and counts; 47 levels does not."""
    x = np.full((60, 60), 200, np.uint8)
    ring = np.ones((60, 60), bool)
    ring[1:-1, 1:-1] = False
    x[ring] = np.where(np.indices((60, 60)).sum(0)[ring] % 2 == 0, 196, 204)
    x[10:50, 27:33] = 200 - contrast
    if accepted:
        digit = to_mnist(Image.fromarray(x))
        assert digit.max() == 255 and is_upright(digit)
    else:
        with pytest.raises(UploadError, match="looks blank"):
            to_mnist(Image.fromarray(x))


def test_light_ink_on_mid_grey_paper_is_not_inverted():
    page = 255 - (np.asarray(paper_digit(), np.float32) * (110 / 255) + 20)  # paper 125, ink 235
    digit = to_mnist(Image.fromarray(page.astype(np.uint8)))
    assert digit.max() == 255 and digit[0].max() == 0 and is_upright(digit)


def test_paper_inside_the_digits_box_is_exactly_black():
    digit = normalise_upload(encode(paper_digit()))
    rows, cols = np.nonzero(digit > 128)
    inside = digit[rows.min():rows.max() + 1, cols.min():cols.max() + 1]
    assert (inside == 0).mean() > 0.3  # the paper between the flag and the stem is no ink at all


def test_blank_message_is_whole():
    with pytest.raises(UploadError, match=r"^This picture looks blank: no pen strokes stand out from the background\. "
                                          r"Please upload a picture of a darker or bigger digit\.$"):
        to_mnist(Image.new("L", (40, 40), 255))


# ------------------------------------------------------------------ the recipe's geometry, step by step


def mnist_recipe(ink: np.ndarray) -> np.ndarray:
    """LeCun et al.'s recipe written out for clean ink (paper 0): the box of ink above 20% of the strongest,
    scaled so its longer side is 20 px (Lanczos, aspect kept), placed in 28 x 28 with its centre of mass at the
    centre, as near as the canvas allows."""
    rows, cols = np.nonzero(ink > 0.2 * ink.max())
    box = ink[rows.min():rows.max() + 1, cols.min():cols.max() + 1].astype(np.float32)
    h, w = box.shape
    size = (max(1, round(w * 20 / max(h, w))), max(1, round(h * 20 / max(h, w))))
    small = np.maximum(np.asarray(Image.fromarray(box).resize(size, Image.Resampling.LANCZOS)), 0)
    cy, cx = ndimage.center_of_mass(small)
    top = min(max(round(14 - cy), 0), 28 - small.shape[0])
    left = min(max(round(14 - cx), 0), 28 - small.shape[1])
    out = np.zeros((28, 28), np.float32)
    out[top:top + small.shape[0], left:left + small.shape[1]] = small
    return np.rint(out * (255 / out.max())).astype(np.uint8)


def wide_lopsided() -> Image.Image:
    """A short heavy stem with a long thin arm to its right: an 8 x 20 digit whose mass sits far to the left."""
    img = Image.new("L", (100, 100), 255)
    draw = ImageDraw.Draw(img)
    draw.rectangle((10, 10, 22, 40), fill=0)
    draw.rectangle((22, 10, 90, 12), fill=0)
    return img


ORIENTATIONS = {"as drawn": None, "mirrored": Image.Transpose.FLIP_LEFT_RIGHT,
                "transposed": Image.Transpose.TRANSPOSE, "transversed": Image.Transpose.TRANSVERSE}


@pytest.mark.parametrize("turn", list(ORIENTATIONS))
def test_recipe_step_by_step(turn):
    img = wide_lopsided() if ORIENTATIONS[turn] is None else wide_lopsided().transpose(ORIENTATIONS[turn])
    digit = to_mnist(img)
    np.testing.assert_array_equal(digit, mnist_recipe(255 - np.asarray(img, np.float32)))
    # shifted only as far as the canvas allows, along the long side; centred by mass across it
    h, w = ink_box(digit)
    cy, cx = ndimage.center_of_mass(digit.astype(float))
    if turn in ("as drawn", "mirrored"):
        assert (h, w) == (8, 20) and abs(cy - 14) <= 1
        assert digit[:, 27 if turn == "as drawn" else 0].any()
    else:
        assert (h, w) == (20, 8) and abs(cx - 14) <= 1
        assert digit[27 if turn == "transposed" else 0].any()


@pytest.mark.parametrize("make", [paper_digit, lambda: stem_and_arm(50, 8)], ids=["paper digit", "stem and arm"])
def test_recipe_matches_on_other_digits(make):
    img = make()
    np.testing.assert_array_equal(to_mnist(img), mnist_recipe(255 - np.asarray(img, np.float32)))


def test_faint_marks_do_not_stretch_the_box():
    """Marks at most 20% as strong as the strongest ink are left out of the box that is scaled to 20 px."""
    clean = paper_digit()
    digit = to_mnist(clean)
    for level, counted in ((204, False), (203, True)):  # ink 51 = 20% of 255 exactly; 52 is above it
        speck = clean.copy()
        ImageDraw.Draw(speck).rectangle((80, 110, 82, 112), fill=level)
        assert np.array_equal(to_mnist(speck), digit) is not counted, level


@pytest.mark.parametrize("vertical", [False, True])
def test_a_hairline_stays_one_pixel_thick(vertical):
    img = Image.new("L", (100, 100), 255)
    ImageDraw.Draw(img).line([(10, 50), (89, 50)] if not vertical else [(50, 10), (50, 89)], fill=0, width=1)
    h, w = ink_box(to_mnist(img))
    assert (h, w) == ((20, 1) if vertical else (1, 20))


def test_backdrop_is_chosen_by_the_strokes_luminance_not_their_red():
    """Red strokes (luminance 76) are dark: they go on white, though their red channel is 255."""
    img = Image.new("RGBA", (16, 16), (255, 0, 0, 0))
    ImageDraw.Draw(img).rectangle((4, 4, 11, 11), fill=(255, 0, 0, 255))
    out = np.asarray(_flatten(img))
    np.testing.assert_array_equal(out[0, 0], [255, 255, 255])
    np.testing.assert_array_equal(out[8, 8], [255, 0, 0])


def test_recipe_on_a_noisy_photo():
    """Paper = the border's median, grain = 4 x its median deviation; ink is what stands out beyond the grain,
    never below zero (noise lighter than the paper is not negative ink that would dim the strokes' edges)."""
    img = noisy_photo()
    x = np.asarray(img, np.float32)
    border = np.concatenate([x[0], x[-1], x[:, 0], x[:, -1]])
    paper = np.median(border)
    grain = 4 * np.median(np.abs(border - paper))
    assert grain > 0
    np.testing.assert_array_equal(to_mnist(img), mnist_recipe(np.maximum(paper - x - grain, 0)))


# ------------------------------------------------------------------ mutation survivors of run 2 (tests/MUTATION.md)


@pytest.mark.parametrize("start,named", [(1020, True), (1021, False)])
def test_svg_is_looked_for_in_the_first_kibibyte_only(start, named):
    """`<svg` ending at byte 1024 is inside the 1 KiB look-ahead; one byte later it is not, and the file is then
    just not a picture."""
    data = b"<!--" + b" " * (start - 7) + b"-->" + b"<svg xmlns='http://www.w3.org/2000/svg'/>"
    assert data.index(b"<svg") == start
    with pytest.raises(UploadError) as e:
        read_image(data)
    assert str(e.value).startswith("SVG drawings") == named, str(e.value)
    if not named:
        assert str(e.value).startswith("This file is not a picture we can read.")


def test_only_byte_order_marks_and_whitespace_are_skipped_before_a_signature():
    with pytest.raises(UploadError, match=r"^This file is not a picture we can read\. "):
        read_image(b"X%PDF-1.4\n1 0 obj\n<<>>\nendobj\n")


def test_pixel_limit_is_stated_in_megapixels_exactly():
    """10^6 pixels is "1" megapixel, not 0.999999 (six significant digits show any other divisor)."""
    with pytest.raises(UploadError, match=r"^This picture is 1000 x 1001 pixels, more than the 1 megapixels we "
                                          r"accept\. Please crop it to the digit or resize it, then upload it again\.$"):
        read_image(claimed_size_png(1000, 1001), max_pixels=1_000_000)


def test_on_an_exact_tie_the_ink_is_the_light_side():
    """Paper 100 with a dark bar at 0 and a light bar at 200, equally far from the paper: the light bar is the digit
    (`invert` only when the dark side reaches strictly further)."""
    x = np.full((60, 60), 100, np.uint8)
    x[10:50, 15:19] = 0      # dark, upright
    x[40:44, 25:55] = 200    # light, lying down
    page = Image.fromarray(x)
    auto = to_mnist(page)
    np.testing.assert_array_equal(auto, to_mnist(page, invert=False))
    assert not is_upright(auto) and is_upright(to_mnist(page, invert=True))


def test_paper_is_read_from_the_outermost_lines_only():
    """White paper with a dark right edge (a table showing) and a ruled line one pixel inside the left and bottom
    edges: the outermost lines are 118 white, 42 black, so the paper is white; reading the ruled lines instead of
    the edges would make it 80 / 80, mid-grey, and the picture blank."""
    x = np.full((40, 40), 255, np.uint8)
    x[:, -1] = 0
    x[-2, 1:] = 0
    x[1:-1, 1] = 0
    x[8:30, 18:22] = 0  # the digit
    np.testing.assert_array_equal(to_mnist(Image.fromarray(x)), mnist_recipe(255 - x.astype(np.float32)))
