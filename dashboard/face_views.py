"""The face model's views on Latent scatter and Decoded grid (pages/1_Latent_scatter.py, pages/2_Decoded_grid.py):
the pages pick the model and hand a face VAE to `latent_scatter` or `decoded_grid`; everything face-specific is here.

Both views stand on the principal axes of the training faces' latent means that core.evaluate ships in
latents.npz (LatentModel.principal_axes), aggregate statistics like the codes' mean and spread: no face's own code
is shipped, so there is no scatter of training or test codes to read from disk. The scatter plots faces the model
generates (the sampling trick, one seed a face, as on Face editing), or, when $LATENT_LAB_DATA holds CelebA,
held-out test faces encoded at run time and kept in memory only. Coordinates are in standard deviations of the
training codes along each axis, on both pages, so a point of the scatter is found at the same place on the grid.

A module for the reason dashboard/arithmetic.py gives (compiled once, not on every run). Faces are drawn inline and
smooth (pictures.digits_html, pixelated=False); decoded faces, the judge's readings and the chart are cached per model and
setting (st.cache_data, in memory), so moving a control reruns in milliseconds. Nothing here writes a face to disk.
"""
from __future__ import annotations

import os

import numpy as np
import streamlit as st

import faces
import links
import pictures
import ui
from core import registry
from core.data import ENV_VAR
from core.images import tile, to_uint8
from core.latent import plane_points, sweep_values

EXTENT, EXTENT_DEFAULT, EXTENT_STEP = (0.5, 4.0), 2.5, 0.25  # the grid's range, in standard deviations
GRID_SIZE, GRID_DEFAULT = (3, 9), 7  # faces a side: a 9 x 9 grid decodes 81 faces (~8 ms each), once
GRID_PIXELS = 520   # the grid's width on screen, as the digit grid's
GRID_PAD = 2        # white pixels between faces in the grid (a 64-pixel face each)
STRIP_FACES, STRIP_SIZE = 8, 88  # held-out test faces above their reconstructions (only with the data set)
COUNTS, COUNT_DEFAULT = (100, 200, 300, 500, 800), 300  # points on the scatter
PLOT_SIDE = 400     # the scatter's plotting area, square: one unit is as many pixels on both axes
PANEL_WIDTH = 300   # the clicked face, beside the chart (below it when the window is narrow)
CONTROL_WIDTH = 210  # each of the scatter's controls, in a row above the chart that wraps
SUMMARY_WIDTH = 340  # the line above the chart: it wraps before the chart's hover toolbar (its top right corner)
SHOWN_FACE = 140    # the clicked face (and its original) in the panel
CLICK = "face"      # the chart's selection, by name
GENERATED, HELD_OUT = "generated", "test"
SOURCES = {GENERATED: "Generated faces", HELD_OUT: "Held-out test faces"}
READ, PROBABILITY = "Read or not", "Probability"
READ_COLOR, NOT_READ_COLOR = "#D62728", "#A0A0A0"


def is_face_model(model) -> bool:
    return model.card.get("dataset", {}).get("name") == "celeba"


def principal_axes(model):
    """(unit axes (k, d), standard deviations (k,)), or None after saying plainly that they are not shipped yet."""
    try:
        return model.principal_axes()
    except ValueError:
        st.info(f"**{model.card.get('title', model.id)}** has not been evaluated for this page yet: it needs the "
                "principal axes of its training faces' latent codes (aggregate statistics, like their mean), which "
                f"`python -m core.evaluate {model.id}` writes into its latents.npz. Until then its faces are on "
                "the Face editing page.")
        ui.page_link("faces", model.id)
        return None


def shares(model, stds: np.ndarray) -> np.ndarray:
    """The share of the training codes' total variance along each principal axis."""
    _, spread = model.training_code_stats()
    return stds.astype(np.float64) ** 2 / float((spread.astype(np.float64) ** 2).sum())


def axis_title(model, stds: np.ndarray, k: int) -> str:
    return f"PC {k + 1} ({shares(model, stds)[k]:.0%} of the variance)"


def axis_controls(model, stds: np.ndarray, page: str, width: int | str = "stretch") -> tuple[int, int] | None:
    """Two principal axes, PC 1 and PC 2 unless the user picks others; None (with a warning) when they are one."""
    options = list(range(len(stds)))
    spec = {"format_func": lambda k: axis_title(model, stds, k), "width": width,
            "help": "The principal axes of the training faces' latent codes, the widest spread first: PC 1 is the "
                    "direction in which the faces' codes differ most."}
    i = st.selectbox("Horizontal axis", options, index=0, key=ui.model_key(model, f"{page}_pc_x"), **spec)
    j = st.selectbox("Vertical axis", options, index=min(1, len(options) - 1),
                     key=ui.model_key(model, f"{page}_pc_y"), **spec)
    if i == j:
        st.warning("Pick two different axes.")
        return None
    return i, j


def judge_key(judge) -> str:
    return f"{judge.card.get('id')}|{registry.pretrained_root()}"


# ---------------------------------------------------------------- Decoded grid

def plane_codes(model, i: int, j: int, extent: float, n: int) -> np.ndarray:
    """n x n codes on the plane through the training codes' mean along principal axes i and j, each step counted in
    standard deviations of the codes along its axis, from -extent to +extent; rows top down (largest y first)."""
    components, stds = model.principal_axes()
    mean, _ = model.training_code_stats()
    steps = sweep_values(n, "linear", extent)
    return plane_points(mean, components[i] * stds[i], components[j] * stds[j], steps, steps)


@st.cache_data(show_spinner="Decoding the faces…", max_entries=64)
def plane_markup(_model, model: str, i: int, j: int, extent: float, n: int) -> pictures.DigitsMarkup:
    """The grid as drawn: its faces decoded in one batch, tiled with thin white gaps, scaled smoothly."""
    faces = to_uint8(_model.decode(plane_codes(_model, i, j, extent, n)))
    return pictures.digits_html([tile(faces, n, n, pad=GRID_PAD, fill=255)], None, GRID_PIXELS, pixelated=False)


def grid_caption(model, stds: np.ndarray, i: int, j: int, extent: float, n: int) -> str:
    faces = int(np.asarray(model.heldout.get("train_faces", 0)))
    of = f"the {faces:,} training faces" if faces else "the training faces"
    return (f"Left to right: **{axis_title(model, stds, i)}** from {-extent:+g} to {extent:+g} standard deviations. "
            f"Top to bottom: **{axis_title(model, stds, j)}** from {extent:+g} to {-extent:+g}. {n} × {n} faces; "
            f"the centre is the mean latent code of {of}, and the other {model.latent_dim - 2} directions stay "
            "there.")


@st.fragment
def face_grid(model, stds: np.ndarray) -> None:
    """Controls and the grid of faces they drive; a control change reruns only this function."""
    controls, picture = ui.beside(GRID_PIXELS)
    with controls:
        axes = axis_controls(model, stds, "grid")
        if axes is None:
            return
        extent = st.slider("Range (± standard deviations)", *EXTENT, EXTENT_DEFAULT, EXTENT_STEP,
                           key=ui.model_key(model, "face_extent"),
                           help=f"Opens at ±{EXTENT_DEFAULT:g}: along each axis, most training faces' codes lie "
                                "within 2.5 standard deviations of the mean. Further out the decoder draws codes "
                                "no face was encoded to.")
        n = st.slider("Grid size (n × n)", *GRID_SIZE, GRID_DEFAULT, key=ui.model_key(model, "face_grid_size"))
    with picture:
        pictures.show_markup(plane_markup(model, faces.ident(model), *axes, float(extent), int(n)))
        st.caption(grid_caption(model, stds, *axes, extent, n))


@st.cache_data(show_spinner="Redrawing the held-out faces…", max_entries=4)
def reconstructions(_model, _images: np.ndarray, model: str, data: str | None, picked: tuple) -> np.ndarray:
    """Held-out faces redrawn by the model, in memory only (keyed by the data folder, never written anywhere)."""
    return _model.reconstruct(_images[list(picked)])


def heldout_strip(model) -> None:
    """With CelebA on this machine, a few held-out test faces above their reconstructions; without it, why not."""
    test, why = faces.test_faces()
    if test is None:
        st.caption(f"{why} With it, held-out test faces are shown here above their reconstructions (read from the "
                   "data folder, never stored).")
        return
    st.subheader("Held-out test faces and their reconstructions", anchor=False)
    picked = tuple(int(k) for k in np.sort(np.random.default_rng(0).permutation(len(test))[:STRIP_FACES]))
    captions = [f"test face #{k}" for k in picked]
    st.caption("Originals, from CelebA's test partition (the model never saw them), read from the data folder and "
               "shown, never stored:")
    pictures.show_digits(test.images[list(picked)], captions, size=STRIP_SIZE, one_row=True, pixelated=False)
    st.caption("Reconstructions, decoded from their latent means:")
    pictures.show_digits(reconstructions(model, test.images, faces.ident(model), os.environ.get(ENV_VAR), picked),
                         captions, size=STRIP_SIZE, one_row=True, pixelated=False)


def decoded_grid(model) -> None:
    """Decoded grid for a face VAE: the plane of two principal axes through the mean training code."""
    st.caption("Every cell is the decoder's picture of one point on a plane through the face model's 128-D latent "
               "space: through the mean code of the training faces, along two principal axes of their codes (the "
               "directions in which faces differ most). Steps are in standard deviations of the training codes "
               "along each axis.")
    axes = principal_axes(model)
    if axes is None:
        return
    face_grid(model, axes[1])
    heldout_strip(model)


# ---------------------------------------------------------------- Latent scatter

SEED_BLOCK = 100  # generated faces are drawn and read in blocks of seeds: a new count or first seed reuses blocks


@st.cache_data(show_spinner="Drawing and reading the faces…", max_entries=64)
def seed_block(_model, _judge, model: str, judge: str | None, start: int):
    """Codes of the faces of seeds start ... start + SEED_BLOCK - 1 (the sampling trick, one seed a face, as Face
    editing draws them) and the judge's probabilities on them (None without a judge): decoded in one batch."""
    codes = np.concatenate([_model.sample_latents(1, seed=s, trick=True) for s in range(start, start + SEED_BLOCK)])
    return codes, None if _judge is None else _judge.probabilities(_model.decode(codes))


def generated_points(_model, _judge, model: str, judge: str | None, first_seed: int, n: int):
    """Codes and the judge's probabilities of the faces of seeds first_seed ... first_seed + n - 1, from the
    cached blocks of SEED_BLOCK seeds that hold them."""
    offset = first_seed % SEED_BLOCK
    blocks = [seed_block(_model, _judge, model, judge, start)
              for start in range(first_seed - offset, first_seed + n, SEED_BLOCK)]
    codes = np.concatenate([b[0] for b in blocks])[offset:offset + n]
    probs = None if _judge is None else np.concatenate([b[1] for b in blocks])[offset:offset + n]
    return codes, probs


@st.cache_data(show_spinner="Encoding the held-out test faces…", max_entries=4)
def heldout_points(_model, _judge, _images: np.ndarray, model: str, judge: str | None, data: str | None, n: int):
    """Up to n held-out test faces (seeded draw): their numbers, latent means and the judge's probabilities on the
    faces themselves. In memory only, keyed by the data folder: no test face's code is ever written anywhere."""
    picked = np.sort(np.random.default_rng(0).permutation(len(_images))[:n])
    return picked, _model.encode(_images[picked]), None if _judge is None else _judge.probabilities(_images[picked])


def coordinates(model, codes: np.ndarray, i: int, j: int) -> np.ndarray:
    """Codes' projections on principal axes i and j, in standard deviations of the training codes along each."""
    components, stds = model.principal_axes()
    mean, _ = model.training_code_stats()
    pair = [i, j]
    return ((codes - mean) @ components[pair].T / stds[pair]).astype(np.float32)


@st.cache_data(show_spinner=False, max_entries=64)
def chart_spec(_xy: np.ndarray, _numbers: np.ndarray, _probs: np.ndarray | None, _threshold: float, key: str,
               titles: tuple[str, str], attribute: str | None, colouring: str, source: str) -> dict:
    """The scatter as a Vega-Lite spec, built and checked once per view (`key` names it), not on every click: dots
    coloured by the judge's reading of `attribute` (read or not, or its probability), a click picks the nearest
    dot (ringed). Equal units on both axes, centred on the mean code."""
    import altair as alt
    import pandas as pd
    xy = _xy
    half = float(np.abs(xy).max() * 1.08) if len(xy) else 1.0
    points = pd.DataFrame({"x": xy[:, 0], "y": xy[:, 1], "index": np.arange(len(xy)), "number": _numbers})
    tooltip = [alt.Tooltip("number:Q", title="seed" if source == GENERATED else "test face #")]
    if _probs is not None:
        points["p"] = _probs
        points["read"] = np.where(_probs >= _threshold, "read", "not read")
        name = faces.pretty(attribute)
        tooltip += [alt.Tooltip("read:N", title=name), alt.Tooltip("p:Q", format=".2f", title="probability")]
        color = (alt.Color("read:N", title=f"{name}, as the judge reads it",
                           scale=alt.Scale(domain=["read", "not read"], range=[READ_COLOR, NOT_READ_COLOR]),
                           legend=alt.Legend(orient="top", direction="horizontal", symbolOpacity=1))
                 if colouring == READ else
                 alt.Color("p:Q", title=f"P({name})", scale=alt.Scale(domain=[0, 1], scheme="viridis"),
                           legend=alt.Legend(orient="top", direction="horizontal", gradientLength=200)))
    else:
        color = alt.value("#1F77B4")
    scale = alt.Scale(domain=[-half, half], nice=False, zero=False)
    base = alt.Chart(points).encode(x=alt.X("x:Q", title=f"{titles[0]}, sd", scale=scale),
                                    y=alt.Y("y:Q", title=f"{titles[1]}, sd", scale=scale))
    clicked = alt.selection_point(name=CLICK, fields=["index"], nearest=True, on="click", empty=False)
    dots = base.mark_circle(size=30, opacity=0.85).encode(
        color=color, tooltip=tooltip + [alt.Tooltip("x:Q", format=".2f", title=titles[0]),
                                        alt.Tooltip("y:Q", format=".2f", title=titles[1])]).add_params(clicked)
    ring = base.mark_point(size=220, filled=False, color="black", strokeWidth=2).transform_filter(clicked)
    return alt.layer(dots, ring).properties(width=PLOT_SIDE, height=PLOT_SIDE, autosize=alt.AutoSizeParams(type="pad"),
                                            usermeta={"embedOptions": {"renderer": "canvas"}}).to_dict()


def reading_text(judge, probs: np.ndarray, attribute: str, names: list[str]) -> str:
    """The judge's reading of one face: the chosen attribute first, then the other judged attributes it reads."""
    index = {n: k for k, n in enumerate(judge.attribute_names)}
    k = index[attribute]
    chosen = (f"**{faces.pretty(attribute)}**: {'read' if probs[k] >= judge.thresholds[k] else 'not read'} "
              f"(probability {probs[k]:.2f}; read at {judge.thresholds[k]:.2f} or above)")
    others = [faces.pretty(n) for n in names if n != attribute and probs[index[n]] >= judge.thresholds[index[n]]]
    return (f"The judge reads {chosen}.  \nOf the attributes it reads best, also: "
            + (", ".join(others) if others else "none") + ".")


def show_face(model, judge, source: str, number: int, code: np.ndarray, probs, attribute: str,
              original: np.ndarray | None) -> None:
    """The clicked point: the face large (a held-out one beside its reconstruction), the judge's reading."""
    face = faces.decoded(model, faces.ident(model), np.asarray(code, np.float32))
    if source == GENERATED:
        st.subheader(f"Generated face, seed {number}", anchor=False)
        pictures.show_digits([face], [f"decoded from seed {number}'s code"], size=2 * SHOWN_FACE, pixelated=False)
    else:
        st.subheader(f"Test face #{number}", anchor=False)
        pictures.show_digits([original, face], ["original", "its reconstruction"], size=SHOWN_FACE, pixelated=False)
    if probs is not None:
        st.markdown(reading_text(judge, probs, attribute, faces.judged_attributes(model, judge))
                    + (" (on the original face)" if source == HELD_OUT else ""))
    if source == GENERATED:
        st.page_link(ui.PAGES["faces"].path, label="Edit this face", icon=ui.PAGES["faces"].icon,
                     query_params={links.MODEL_PARAM: model.id, "start": faces.RANDOM, "seed": str(number)})


def colour_controls(model, judge, width: int) -> tuple[str | None, str]:
    """The attribute the dots are coloured by (the judged attributes first) and how: read or not, or probability."""
    if judge is None:
        return None, READ
    judged = faces.judged_attributes(model, judge)
    names = judged + [n for n in judge.attribute_names if n not in judged]
    default = "Smiling" if "Smiling" in names else names[0]
    attribute = st.selectbox("Colour by", names, index=names.index(default), format_func=faces.pretty, width=width,
                             key=ui.model_key(model, "face_colour_by"),
                             help="A CelebA attribute as the face judge reads it in each face. The attributes it "
                                  "reads best come first.")
    colouring = st.radio("Colour", (READ, PROBABILITY), horizontal=True, key=ui.model_key(model, "face_colouring"),
                         width="content",
                         help="Read: the judge's probability reaches its threshold for this attribute (chosen on "
                              "validation faces). Probability: the judge's probability itself, 0 to 1.")
    return attribute, colouring


@st.fragment
def face_explorer(model, judge, stds: np.ndarray) -> None:
    """The chart, its controls and the clicked face: a click or a control change reruns only this part.

    The controls sit in a row above the chart (it wraps), so the clicked face beside the chart is in view; a line
    of text between them keeps the chart's hover toolbar off the controls."""
    controls = st.container(horizontal=True, gap="medium", vertical_alignment="bottom")
    summary = st.container(width=SUMMARY_WIDTH).empty()
    with st.container(horizontal=True, gap="medium"):
        chart_box, panel = st.container(width="content"), st.container(width=PANEL_WIDTH)
    test, why_not = faces.test_faces()
    with controls:
        source = GENERATED  # held-out test faces only when CelebA is on this machine (a caption says so otherwise)
        if test is not None:
            source = st.radio("Points", (GENERATED, HELD_OUT), format_func=SOURCES.get, horizontal=True,
                              width="content", key=ui.model_key(model, "face_points"),
                              help="Generated: faces the model draws with the sampling trick, one seed each. "
                                   "Held-out: CelebA test faces, encoded now and kept in memory only.")
        n = st.select_slider("How many", COUNTS, COUNT_DEFAULT, key=ui.model_key(model, "face_count"),
                             width=CONTROL_WIDTH)
        first = 0
        if source == GENERATED:
            first = int(st.number_input("First seed", 0, ui.MAX_SEED + 1 - max(COUNTS), 0, width=CONTROL_WIDTH,
                                        key=ui.model_key(model, "face_first_seed"),
                                        help="The faces of this seed and the next ones, as Face editing draws them."))
        axes = axis_controls(model, stds, "scatter", CONTROL_WIDTH)
        attribute, colouring = colour_controls(model, judge, CONTROL_WIDTH)
    if axes is None:
        return
    data = os.environ.get(ENV_VAR)
    jkey = judge_key(judge) if judge is not None else None
    if source == GENERATED:
        codes, probs = generated_points(model, judge, faces.ident(model), jkey, first, n)
        numbers = np.arange(first, first + n)
    else:
        numbers, codes, probs = heldout_points(model, judge, test.images, faces.ident(model), jkey, data, n)
    k = judge.attribute_names.index(attribute) if judge is not None else None
    xy = coordinates(model, codes, *axes)
    titles = (f"PC {axes[0] + 1}", f"PC {axes[1] + 1}")
    view = f"{faces.ident(model)}|{source}|{data if source == HELD_OUT else first}|{n}|{axes}|{jkey}"
    spec = chart_spec(xy, numbers, None if k is None else probs[:, k], 0.5 if k is None else float(judge.thresholds[k]),
                      view, titles, attribute, colouring, source)
    chart_key = f"face_scatter_{model.id}_{source}_{first}_{n}"  # a selection belongs to the points it was made on
    with chart_box:
        event = st.vega_lite_chart(spec, key=chart_key, on_select="rerun", selection_mode=(CLICK,), width="content")
    picked = [int(p["index"]) for p in event["selection"].get(CLICK, []) if 0 <= int(p["index"]) < len(codes)]
    what = (f"{len(codes)} faces of seeds {first} to {first + len(codes) - 1}" if source == GENERATED
            else f"{len(codes)} held-out test faces")
    if k is None:
        summary.caption(f"{what[0].upper()}{what[1:]}.")
    else:
        read = int((probs[:, k] >= judge.thresholds[k]).sum())
        summary.caption(f"The judge reads **{faces.pretty(attribute)}** in {read} of these {what} "
                        f"({read / max(len(codes), 1):.0%}).")
    with panel:
        if not picked:
            st.info("Click near a dot to see its face large, with what the judge reads in it (double-click clears).")
        else:
            index = picked[0]
            show_face(model, judge, source, int(numbers[index]), codes[index],
                      None if probs is None else probs[index], attribute,
                      test.images[numbers[index]] if source == HELD_OUT else None)
        if test is None:
            st.caption(why_not)


def latent_scatter(model) -> None:
    """Latent scatter for a face VAE: generated (or held-out) faces on two principal axes, coloured by the judge."""
    st.caption("Each dot is a face the model generates (the sampling trick: a code drawn from N(mean, spread²) of "
               "the training faces' codes, one seed a face), placed by its code's position along two principal axes "
               "of the training faces' codes and coloured by what the face judge reads in the decoded face. No "
               "training or test face's own code is shipped with the model: only their mean, spread and axes. With "
               "the CelebA data on this machine, held-out test faces can be plotted instead, encoded on the spot "
               "and never stored.")
    axes = principal_axes(model)
    if axes is None:
        return
    face_explorer(model, ui.load_face_judge(faces.judge_id(model)), axes[1])
