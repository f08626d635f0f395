"""core.data.uploads, face photos: the crop box, every kind of picture made RGB, and the refusals, on pictures built
in memory (plain colour fields and gradients, never real faces)."""
import io
import math

import numpy as np
import pytest
from PIL import Image, ImageDraw

from core.data import celeba
from core.data.uploads import (FACE_BACKDROP, PREVIEW_OUTLINE, UploadError, face_crop_box, face_preview,
                               normalise_face_upload)
from test_uploads import claimed_size_png, encode, truncated

RED, BLUE, GREEN = (255, 0, 0), (0, 0, 255), (0, 255, 0)


def halves(size=(64, 64), first=RED, second=BLUE, vertical=False, mode="RGB") -> Image.Image:
    """`first` colour on the left half (the top half when `vertical`), `second` on the other."""
    w, h = size
    img = Image.new(mode, size, second)
    ImageDraw.Draw(img).rectangle((0, 0, w - 1, h // 2 - 1) if vertical else (0, 0, w // 2 - 1, h - 1), fill=first)
    return img


def gradients(size) -> Image.Image:
    """Red rising left to right, green top to bottom, blue checks 1/12 of the shorter side: every crop differs."""
    w, h = size
    y, x = np.mgrid[0:h, 0:w]
    cell = min(w, h) // 12
    rgb = np.stack([x * 255 // (w - 1), y * 255 // (h - 1), ((x // cell + y // cell) % 2) * 200], axis=-1)
    return Image.fromarray(rgb.astype(np.uint8))


def rotated_jpeg(orientation: int) -> bytes:
    """Stored 200 x 100, red top half over blue, with an EXIF Orientation tag as phones write it."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    return encode(halves((200, 100), vertical=True), "JPEG", quality=95, exif=exif.tobytes())


def mean_colour(x: np.ndarray) -> np.ndarray:
    return x.reshape(-1, 3).mean(axis=0)


# ------------------------------------------------------------------ the crop box


@pytest.mark.parametrize("view,box", [
    ((1, 0, 0), (50, 0, 250, 200)),     # the largest centred square
    ((2, 0, 0), (100, 50, 200, 150)),   # half the side, still centred
    ((2, -1, 0), (0, 50, 100, 150)),    # against the left edge
    ((2, 1, 0), (200, 50, 300, 150)),   # against the right edge
    ((2, 0, -1), (100, 0, 200, 100)),   # against the top
    ((2, 0, 1), (100, 100, 200, 200)),  # against the bottom
    ((2, 0.5, -0.5), (150, 25, 250, 125)),
    ((1, 0.5, 1), (75, 0, 275, 200)),   # no room vertically at zoom 1: dy changes nothing
    ((4, 0, 0), (125, 75, 175, 125)),
])
def test_crop_box_geometry_on_a_300_by_200_picture(view, box):
    assert face_crop_box((300, 200), *view) == box


def test_crop_box_at_zoom_1_is_celebas_training_crop():
    assert face_crop_box(celeba.FULL_SIZE) == celeba.CROP == (0, 20, 178, 198)


def test_crop_box_is_a_square_inside_the_picture_whatever_the_view():
    for size in [(300, 200), (200, 300), (33, 32), (6000, 4000), (101, 1000)]:
        for zoom in (1, 1.3, 2.5, 4):
            for dx in (-1, -0.37, 0, 0.81, 1):
                for dy in (-1, 0.2, 1):
                    left, top, right, bottom = face_crop_box(size, zoom, dx, dy)
                    assert 0 <= left < right <= size[0] and 0 <= top < bottom <= size[1], (size, zoom, dx, dy)
                    assert right - left == bottom - top == round(min(size) / zoom), (size, zoom, dx, dy)


@pytest.mark.parametrize("view,message", [
    ((0.99, 0, 0), r"^The zoom must be between 1 and 4 \(got 0\.99\)\.$"),
    ((4.01, 0, 0), r"^The zoom must be between 1 and 4 \(got 4\.01\)\.$"),
    ((math.nan, 0, 0), r"^The zoom must be between 1 and 4 \(got nan\)\.$"),
    ((1, -1.5, 0), r"^The horizontal offset dx must be between -1 and 1 \(got -1\.5\)\.$"),
    ((1, 0, 1.01), r"^The vertical offset dy must be between -1 and 1 \(got 1\.01\)\.$"),
])
def test_out_of_range_zoom_or_offset_is_refused(view, message):
    with pytest.raises(UploadError, match=message):
        face_crop_box((300, 200), *view)
    with pytest.raises(UploadError, match=message):
        normalise_face_upload(encode(gradients((300, 200))), 64, *view)


# ------------------------------------------------------------------ the face itself


def test_face_is_the_crop_resized_with_lanczos():
    img = gradients((300, 200))
    face, box = normalise_face_upload(encode(img), zoom=2, dx=0.5, dy=-0.5)
    assert face.shape == (64, 64, 3) and face.dtype == np.uint8 and box == (150, 25, 250, 125)
    np.testing.assert_array_equal(face, np.asarray(img.resize((64, 64), Image.Resampling.LANCZOS, box=box)))


def test_a_celeba_shaped_jpeg_gives_exactly_what_training_made_of_it():
    data = encode(gradients(celeba.FULL_SIZE), "JPEG", quality=90)
    face, box = normalise_face_upload(data)
    with Image.open(io.BytesIO(data)) as img:
        trained = celeba.face(img, 64)
    assert box == celeba.CROP
    np.testing.assert_array_equal(face, trained)


@pytest.mark.parametrize("view", [(1, 0, 0), (2, 0.5, -0.5), (4, -1, 1)])
def test_big_jpeg_decoded_at_reduced_scale_gives_the_same_crop(view):
    """The decoder's 1/2 to 1/8 scaling must map the box like the full-size picture: only JPEG's own blur differs."""
    img = gradients((2400, 1600))
    data = encode(img, "JPEG", quality=95)
    face, box = normalise_face_upload(data, 64, *view)
    with Image.open(io.BytesIO(data)) as full:
        reference = np.asarray(full.convert("RGB").resize((64, 64), Image.Resampling.LANCZOS, box=box), np.float32)
    assert box == face_crop_box((2400, 1600), *view)
    assert np.abs(face - reference).mean() < 1.5, np.abs(face - reference).mean()  # 8 px off: 4.7


@pytest.mark.parametrize("orientation,left,right", [(6, BLUE, RED), (8, RED, BLUE)],
                         ids=["6 (turn right)", "8 (turn left)"])
def test_exif_orientation_is_applied_before_cropping(orientation, left, right):
    """Stored 200 x 100 red-over-blue; upright it is 100 x 200, red on the right (6) or on the left (8)."""
    face, box = normalise_face_upload(rotated_jpeg(orientation))
    assert box == (0, 50, 100, 150)  # the centred square of the upright 100 x 200 picture
    np.testing.assert_allclose(mean_colour(face[:, :24]), left, atol=12)
    np.testing.assert_allclose(mean_colour(face[:, 40:]), right, atol=12)
    assert face_preview(rotated_jpeg(orientation), box).shape == (200, 100, 3)


def transparent_left(mode: str) -> bytes:
    """Left half fully transparent (hiding black), right half opaque white: light visible pixels, on which the digit
    rule would pick a black backdrop."""
    img = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
    ImageDraw.Draw(img).rectangle((32, 0, 63, 63), fill=(255, 255, 255, 255))
    if mode == "P":
        pal = Image.new("P", (64, 64), 0)
        pal.putpalette([0, 0, 0, 255, 255, 255] + [0] * 762)
        ImageDraw.Draw(pal).rectangle((32, 0, 63, 63), fill=1)
        return encode(pal, "PNG", transparency=0)
    return encode(img.convert(mode))


@pytest.mark.parametrize("mode", ["RGBA", "LA", "P"])
def test_transparent_pixels_become_the_mid_grey_backdrop(mode):
    face, _ = normalise_face_upload(transparent_left(mode))
    assert FACE_BACKDROP == (128, 128, 128)
    assert (face[:, :28] == 128).all(), mean_colour(face[:, :28])
    assert (face[:, 36:] == 255).all()


@pytest.mark.parametrize("data,mode,left,right", [
    (encode(halves(first=200, second=30, mode="L")), "L", 200, 30),
    (encode(Image.fromarray(np.asarray(halves(first=255, second=64, mode="L"), np.uint16) * 257)), "I;16", 255, 64),
], ids=["L", "I;16"])
def test_grey_pictures_become_grey_rgb(data, mode, left, right):
    with Image.open(io.BytesIO(data)) as img:
        assert img.mode == mode  # the path under test: 16-bit levels are scaled from 65535, 16448 -> 64
    face, _ = normalise_face_upload(data)
    assert face.shape == (64, 64, 3)
    assert (face[..., 0] == face[..., 1]).all() and (face[..., 1] == face[..., 2]).all()
    assert (face[:, :28] == left).all() and (face[:, 36:] == right).all()


def test_cmyk_jpeg_comes_out_as_rgb_colours():
    cmyk = Image.new("CMYK", (64, 64), (255, 255, 0, 0))  # blue
    ImageDraw.Draw(cmyk).rectangle((0, 0, 31, 63), fill=(0, 255, 255, 0))  # red
    face, _ = normalise_face_upload(encode(cmyk, "JPEG", quality=95))
    np.testing.assert_allclose(mean_colour(face[:, :24]), RED, atol=12)
    np.testing.assert_allclose(mean_colour(face[:, 40:]), BLUE, atol=12)


def test_palette_png_keeps_its_colours():
    pal = halves((90, 60), first=GREEN, second=BLUE).quantize(4)
    assert pal.mode == "P"
    face, box = normalise_face_upload(encode(pal))
    assert box == (15, 0, 75, 60)
    assert (face[:, :28] == GREEN).all() and (face[:, 36:] == BLUE).all()


# ------------------------------------------------------------------ refusals


def test_tiny_picture_is_refused_with_what_to_upload_instead():
    with pytest.raises(UploadError, match=r"^This picture is only 10 x 10 pixels, too small to show a face\. "
                                          r"Please upload one at least 32 pixels each way \(64 x 64 or larger "
                                          r"works best\)\.$"):
        normalise_face_upload(encode(Image.new("RGB", (10, 10))))
    with pytest.raises(UploadError, match=r"only 31 x 200 pixels, too small to show a face"):
        normalise_face_upload(encode(Image.new("RGB", (31, 200))))
    assert normalise_face_upload(encode(Image.new("RGB", (32, 40))))[1] == (0, 4, 32, 36)  # 32: just enough


@pytest.mark.parametrize("w,h,message", [
    (6000, 4500, r"^This picture is 6000 x 4500 pixels, more than the 25 megapixels we accept\. "
                 r"Please crop it to the face or resize it, then upload it again\.$"),
    (20000, 20000, r"^This picture is enormous, more than the 25 megapixels we accept\. Please crop it to the face"),
], ids=["over the project limit", "decompression bomb"])
def test_huge_picture_is_refused_from_its_header(w, h, message):
    data = claimed_size_png(w, h)  # 16 x 16 pixels behind a header that claims w x h: nothing big is decoded
    with pytest.raises(UploadError, match=message):
        normalise_face_upload(data)
    with pytest.raises(UploadError, match=message):
        face_preview(data, (0, 0, 10, 10))


@pytest.mark.parametrize("data,message", [
    (b"", r"^The file is empty \(0 bytes\)\. Please upload a PNG, JPEG, GIF, BMP, WebP or TIFF picture of a face\.$"),
    (b"just some text, named face.jpg", r"^This file is not a picture we can read\. Please upload a PNG, JPEG"),
    (b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n", r"^PDF documents can't be read here\. Please export or screenshot the face "
                                           r"as PNG or JPEG and upload that\.$"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"></svg>', r"^SVG drawings \(shapes, not pixels\) can't be read here"),
    (b"\x00\x00\x00\x18ftypheic" + bytes(64), r"^HEIC/AVIF photos \(the iPhone default\) can't be read here"),
    (truncated("JPEG"), r"^This picture seems damaged or incomplete"),
    (encode(Image.new("RGB", (400, 39))), r"^This picture is 400 x 39 pixels, a thin strip rather than a face\."),
], ids=["empty", "text", "PDF", "SVG", "HEIC", "truncated JPEG", "thin strip"])
def test_non_pictures_are_refused_with_a_clear_message(data, message):
    with pytest.raises(UploadError, match=message):
        normalise_face_upload(data)


# ------------------------------------------------------------------ the preview


def test_preview_is_the_picture_scaled_down_with_the_crop_outlined():
    data = encode(Image.new("RGB", (300, 200), (90, 90, 90)))
    _, box = normalise_face_upload(data, zoom=2)
    shown = face_preview(data, box, max_side=150)  # half size: the box (100, 50, 200, 150) becomes (50, 25, 100, 75)
    assert shown.shape == (100, 150, 3) and shown.dtype == np.uint8
    outline = np.all(shown == PREVIEW_OUTLINE, axis=-1)
    ring = np.zeros_like(outline)
    ring[25:75, 50:100] = True
    ring[27:73, 52:98] = False  # 2 px wide, inside the box
    np.testing.assert_array_equal(outline, ring)
    assert (shown[~ring] == 90).all()


def test_preview_never_enlarges_and_keeps_the_aspect():
    small = encode(gradients((120, 80)))
    assert face_preview(small, face_crop_box((120, 80))).shape == (80, 120, 3)
    big = encode(gradients((1600, 900)), "JPEG")
    assert face_preview(big, face_crop_box((1600, 900))).shape == (144, 256, 3)


# ------------------------------------------------------------------ mutation survivors of run 2 (tests/MUTATION.md)


def test_crop_box_defaults_to_the_centred_square():
    assert face_crop_box((300, 200)) == (50, 0, 250, 200)
    assert face_crop_box((200, 300)) == (0, 50, 200, 250)


@pytest.mark.parametrize("size,box", [((1, 1), (0, 0, 1, 1)), ((5, 5), (2, 2, 3, 3)), ((6, 6), (2, 2, 4, 4))])
def test_crop_box_of_a_tiny_picture_at_zoom_4_is_at_least_one_pixel_and_inside(size, box):
    assert face_crop_box(size, 4) == box


@pytest.mark.parametrize("orientation,upright_box,first,second,vertical", [
    (1, (50, 0, 150, 100), RED, BLUE, True),
    (2, (50, 0, 150, 100), RED, BLUE, True),    # mirrored left-right: still red on top
    (3, (50, 0, 150, 100), BLUE, RED, True),    # turned half round
    (4, (50, 0, 150, 100), BLUE, RED, True),    # mirrored top-bottom
    (5, (0, 50, 100, 150), RED, BLUE, False),   # transposed: the top half becomes the left
    (6, (0, 50, 100, 150), BLUE, RED, False),
    (7, (0, 50, 100, 150), BLUE, RED, False),   # transversed: the top half becomes the right
    (8, (0, 50, 100, 150), RED, BLUE, False),
])
def test_every_exif_orientation_turns_the_box_and_the_picture(orientation, upright_box, first, second, vertical):
    """Stored 200 x 100, red over blue. Orientations 5 to 8 make it 100 x 200 upright; `first` is the colour of the
    face's top (`vertical`) or left half, `second` of the other."""
    face, box = normalise_face_upload(rotated_jpeg(orientation))
    assert box == upright_box
    a, b = (face[:24], face[40:]) if vertical else (face[:, :24], face[:, 40:])
    np.testing.assert_allclose(mean_colour(a), first, atol=12)
    np.testing.assert_allclose(mean_colour(b), second, atol=12)


def reference_draft(data: bytes, s: int) -> Image.Image:
    """The JPEG decoded at 1/s by the decoder itself, as the docstring of _read_face promises."""
    img = Image.open(io.BytesIO(data))
    w, h = img.size
    img.draft(None, (w // s, h // s))
    assert img.size == (w // s, h // s)
    return img.convert("RGB")


def test_portrait_jpeg_face_is_decoded_at_the_scale_its_width_allows():
    """400 x 3200, 64 px face at zoom 1: the 400 px wide crop needs only 1/4 (100 px >= 64; 1/8 would be 50)."""
    data = encode(gradients((400, 3200)), "JPEG", quality=95)
    face, box = normalise_face_upload(data)
    assert box == (0, 1400, 400, 1800)
    want = reference_draft(data, 4).resize((64, 64), Image.Resampling.LANCZOS, box=(0, 350, 100, 450))
    np.testing.assert_array_equal(face, np.asarray(want))


def test_portrait_jpeg_preview_is_decoded_at_an_eighth():
    """400 x 3200 shown 32 x 256: 1/8 (50 x 400) is the smallest decode still at least that size."""
    data = encode(gradients((400, 3200)), "JPEG", quality=95)
    shown = face_preview(data, (0, 1400, 400, 1800))
    want = reference_draft(data, 8).resize((32, 256), Image.Resampling.LANCZOS)
    ImageDraw.Draw(want).rectangle((0, 112, 31, 143), outline=PREVIEW_OUTLINE, width=2)  # the box x 0.08
    np.testing.assert_array_equal(shown, np.asarray(want))


def test_big_png_face_is_box_reduced_before_lanczos():
    """No decoder scaling for PNG: a 1200 px crop to 64 px is box-reduced (reducing_gap 3) before Lanczos."""
    img = gradients((1600, 1200))
    face, box = normalise_face_upload(encode(img))
    assert box == (200, 0, 1400, 1200)
    want = img.resize((64, 64), Image.Resampling.LANCZOS, box=box, reducing_gap=3.0)
    assert not np.array_equal(np.asarray(want), np.asarray(img.resize((64, 64), Image.Resampling.LANCZOS, box=box)))
    np.testing.assert_array_equal(face, np.asarray(want))


def test_big_png_preview_is_box_reduced_before_lanczos():
    img = gradients((1600, 1200))
    shown = face_preview(encode(img), (200, 0, 1400, 1200))  # k = 256 / 1600 = 0.16
    want = img.resize((256, 192), Image.Resampling.LANCZOS, reducing_gap=3.0)
    ImageDraw.Draw(want).rectangle((32, 0, 223, 191), outline=PREVIEW_OUTLINE, width=2)
    np.testing.assert_array_equal(shown, np.asarray(want))


def test_preview_of_a_grey_picture_is_rgb():
    shown = face_preview(encode(halves(first=200, second=30, mode="L")), (16, 16, 48, 48))
    assert shown.shape == (64, 64, 3)
    assert (shown[:, :10] == 200).all() and (shown[:, 54:] == 30).all()
    assert (shown[16:48, 16:18] == PREVIEW_OUTLINE).all()


@pytest.mark.parametrize("size,shape", [((320, 32), (1, 10, 3)), ((32, 320), (10, 1, 3))])
def test_preview_of_a_thin_picture_may_be_one_pixel_thick(size, shape):
    assert face_preview(encode(Image.new("RGB", size, (90, 90, 90))), face_crop_box(size), max_side=10).shape == shape


def test_preview_outline_of_a_box_at_the_top_left_corner_starts_at_the_edge():
    data = encode(Image.new("RGB", (300, 200), (90, 90, 90)))
    box = face_crop_box((300, 200), 2, -1, -1)
    assert box == (0, 0, 100, 100)
    outline = np.all(face_preview(data, box, max_side=300) == PREVIEW_OUTLINE, axis=-1)
    ring = np.zeros_like(outline)
    ring[0:100, 0:100] = True
    ring[2:98, 2:98] = False
    np.testing.assert_array_equal(outline, ring)
