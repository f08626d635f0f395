"""The parts of the Latent arithmetic page (pages/4_Latent_arithmetic.py): its points, URL state, sections and
exports (the walk, its first section, is arithmetic_walk.py's); the page script lays them out.

Why a module: a page script is read, rewritten by Streamlit's "magic" and compiled again on every AppTest run,
at a cost that grows faster than its length (57 ms for this code as one script, 6 ms for the Decoded grid page);
an imported module is compiled once. Nothing here runs on import.
"""
import hashlib
import io
import re
from functools import partial
from typing import NamedTuple

import numpy as np
import streamlit as st

import arithmetic_charts as charts
import digit_input
import faces
import links
import live_slider
import pictures
import ui
from exports import chart, downloads
from core.images import tile, to_uint8
from core.latent import (LEAVES_DATA, Plausibility, analogy, analogy_grid, class_means, label_mixture, nearest_codes,
                         widest_dimensions)

MEAN, ITEM, SEED, OWN = "Class mean", "Held-out item", "Random seed", "Your digit"
PREFIX = {MEAN: "mean", ITEM: "item", SEED: "seed", OWN: "own"}  # a point in the URL: mean-6, item-12, seed-3, own
METHODS = {"linear": "Linear", "slerp": "Spherical (slerp)"}
WALK_STEPS, OVERSHOOT, WEIGHT, GRID = (3, 24), (0.0, 1.0), (-2.0, 2.0), (3, 9)  # slider ranges
SLOTS = {"from": "From", "to": "To", "a": "A", "b": "B", "c": "C"}
DEFAULTS = {"method": "linear", "steps": 12, "over": 0.25, "w": (1.0, 1.0, 1.0), "grid": 5, "t": 0.5}
DIM_SLIDERS = 8      # sliders for the widest dimensions of a latent above 2-D
NEIGHBOURS = 6
SCRUBBED_SIZE = 112  # the walk's point under the scrubber, and the point the dimension sliders move
MOVED_PICTURE = "arith_moved"  # the picture the dimension sliders draw over
SUM_PICTURE = "arith_sum"      # the row A, B, C, result the weight sliders draw over
SUM = "abc"                    # the inputs of the sum, in order
WEIGHT_STEP = 0.1
SHOWN_WIDTH = 540    # what a section's controls drive: beside them at 1280 px, below them at 800
GRID_PIXELS = 360
PARAMS = (*SLOTS, "method", "steps", "over", "t", "w", "grid")  # the view as the URL keeps it


class Point(NamedTuple):
    z: np.ndarray              # (latent_dim,)
    label: np.ndarray | None   # label weights for a conditional model, else None
    spec: str                  # as the URL writes it: mean-6, item-12, seed-3, own
    name: str                  # as captions say it


# ---------------------------------------------------------------- cached per model

@st.cache_resource(show_spinner=False, max_entries=8)
def plausibility(_model, model: str) -> Plausibility:
    mean, cov = _model.prior()
    return Plausibility(_model.heldout["means"], mean, cov)


@st.cache_data(show_spinner=False, max_entries=8)
def means_of_classes(_model, model: str) -> np.ndarray:
    return class_means(_model.heldout["means"], _model.heldout["labels"], _model.num_classes)


@st.cache_resource(show_spinner=False, max_entries=8)
def view(_model, model: str) -> charts.View:
    codes = _model.heldout["means"]
    return charts.view_of(codes, [ui.latent_name(k) for k in range(_model.latent_dim)],
                          plausibility(_model, model).log_density)


@st.cache_data(show_spinner=False, max_entries=8)
def heldout_traces(_model, model: str) -> list[dict]:
    """The held-out codes in the 3-D view, built once a model."""
    return charts.heldout_traces(charts.coordinates(view(_model, model), _model.heldout["means"]),
                                 _model.heldout["labels"],
                                 [ui.class_name(_model, c) for c in range(_model.num_classes)],
                                 [ui.class_color(c) for c in range(_model.num_classes)])


# ---------------------------------------------------------------- the URL

def apply_parameter(model, name: str, value: str) -> None:
    """One parameter of a new link (or an edited URL) put into this model's widgets, or a ValueError saying why not."""
    state = st.session_state
    if name in SLOTS:
        kind, number = parse_point(model, value)
        state[ui.model_key(model, f"{name}_kind")] = kind
        if kind != OWN:
            state[ui.model_key(model, f"{name}_{PREFIX[kind]}")] = number
    elif name == "method":
        if value not in METHODS:
            raise ValueError(f"use {' or '.join(METHODS)}")
        state["arith_method"] = value
    elif name in ("steps", "grid"):
        low, high = WALK_STEPS if name == "steps" else GRID
        state[f"arith_{name}"] = links.whole_number(value, low, high)
    elif name == "over":
        state["arith_over"] = links.snapped(value, *OVERSHOOT, 0.05)
    elif name == "t":  # within the widest overshoot; the scrubber then holds it within the walk's own
        state["arith_t"] = links.snapped(value, -OVERSHOOT[1], 1 + OVERSHOOT[1], 0.01)
    elif name == "w":
        parts = value.split(",")
        if len(parts) != 3:
            raise ValueError("three weights, as 1,1,1")
        weights = [links.snapped(part, *WEIGHT, WEIGHT_STEP) for part in parts]
        for slot, weight in zip("abc", weights):
            state[f"weight_{slot}"] = weight
    else:
        raise ValueError("not a setting of this page")


def labelled(model) -> bool:
    """Whether the model's held-out items carry labels, so a class has a mean (a user's unlabelled pictures do not)."""
    return model.num_classes > 1


def defaults(model) -> dict[str, str]:
    """The points each slot opens on: for digits an average 6 walking to an average 8 (A: a held-out 6); for other
    labelled pictures the first two classes'; unlabelled, held-out items."""
    if not labelled(model):
        last = len(model.heldout["labels"]) - 1
        return {"from": "item-0", "to": f"item-{min(1, last)}", "a": "item-0", "b": f"item-{min(1, last)}",
                "c": f"item-{min(2, last)}"}
    first, second = (6, 8) if ui.of_digits(model) else (0, 1)
    return {"from": f"mean-{first}", "to": f"mean-{second}", "a": f"item-{first_of_class(model, first)}",
            "b": f"mean-{first}", "c": f"mean-{second}"}


def parse_point(model, value: str) -> tuple[str, int]:
    if value == "own":
        if st.session_state.get("arith_own_digit") is None:
            raise ValueError("your own digit is not part of a link: upload or draw it again")
        return OWN, 0
    found = re.fullmatch(r"(mean|item|seed)-(\d{1,6})", value)
    if not found:
        raise ValueError("a point is mean-<digit>, item-<number> or seed-<number>")
    kind = {v: k for k, v in PREFIX.items()}[found[1]]
    if kind == MEAN and not labelled(model):
        raise ValueError(f"{model.id}'s pictures have no labels, so no class means: use item-<number> or seed-<number>")
    number = int(found[2])
    limit = {MEAN: model.num_classes, ITEM: len(model.heldout["labels"]), SEED: ui.MAX_SEED + 1}[kind]
    if number >= limit:
        raise ValueError(f"{found[1]} runs from 0 to {limit - 1} for {model.id}")
    return kind, number


# ---------------------------------------------------------------- choosing points

def first_of_class(model, label: int) -> int:
    return int(np.flatnonzero(model.heldout["labels"] == label)[0]) if (model.heldout["labels"] == label).any() else 0


def choose_point(model, slot: str, default: str, own: Point | None) -> Point:
    """A point from one of the sources, by its kind and then its digit, item number or seed."""
    kinds = [MEAN] * labelled(model) + [ITEM, SEED] + ([OWN] if own is not None else [])
    kind_key = ui.model_key(model, f"{slot}_kind")
    default_kind, default_number = parse_point(model, default)
    if st.session_state.get(kind_key) not in kinds:
        st.session_state[kind_key] = default_kind
    kind = st.selectbox(SLOTS[slot], kinds, key=kind_key)
    if kind == OWN:
        return own._replace(name=f"{SLOTS[slot]}: your digit")
    key = links.remembered(ui.model_key(model, f"{slot}_{PREFIX[kind]}"), default_number if kind == default_kind else 0)
    labels, names = model.heldout["labels"], [ui.class_name(model, c) for c in range(model.num_classes)]
    if kind == MEAN:
        digit = st.selectbox(f"{SLOTS[slot]}: the mean of", range(model.num_classes), key=key,
                             format_func=lambda c: f"every held-out {names[c]}")
        return point(model, means_of_classes(model, faces.ident(model))[digit], digit, f"mean-{digit}", f"average {names[digit]}")
    if kind == ITEM:
        index = int(st.number_input(f"{SLOTS[slot]}: held-out item #", 0, len(labels) - 1, key=key,
                                    help="One of the held-out digits the model never saw in training."))
        return point(model, model.heldout["means"][index], int(labels[index]), f"item-{index}",
                     f"#{index}, a {names[labels[index]]}")
    seed = int(st.number_input(f"{SLOTS[slot]}: seed", 0, ui.MAX_SEED, key=key,
                               help="A point drawn from the prior (an autoencoder: from the Gaussian fitted to its "
                                    "codes)." + (" This model is told the label: a seed draws the digit its last "
                                                 "figure names." if model.conditional else "")))
    return point(model, model.sample_latents(1, seed=seed)[0], seed % max(model.num_classes, 1), f"seed-{seed}",
                 f"seed {seed}")


def point(model, z: np.ndarray, label: int, spec: str, name: str) -> Point:
    weights = np.eye(model.num_classes, dtype=np.float32)[label] if model.conditional else None
    return Point(np.asarray(z, np.float32), weights, spec, name)


def own_point(model) -> Point | None:
    """The user's uploaded or drawn digit, encoded (a conditional model with the judge's reading, correctable); None
    for a model of the user's own pictures, which an uploaded digit, made into an MNIST digit, does not fit."""
    if not ui.of_digits(model):
        return None
    if not st.toggle("Use your own digit", key="arith_own_on",
                     help="Upload or draw a digit, then pick **Your digit** as any point below."):
        st.session_state["arith_own_digit"] = None
        return None
    with st.container(border=True):
        digit = digit_input.user_digit("arith")
        st.session_state["arith_own_digit"] = digit
        if digit is None:
            return None
        label = None
        if model.conditional:
            judge = ui.load_judge()
            read, confidence = judge.read(digit[None])
            fingerprint = hashlib.sha1(digit.tobytes()).hexdigest()
            key = ui.model_key(model, "own_label")
            if st.session_state.get(f"{key}_seen") != fingerprint:  # a new digit starts from the judge's reading
                st.session_state[f"{key}_seen"] = fingerprint
                st.session_state[key] = int(read[0])
            label = st.selectbox("Its label", range(model.num_classes), key=key,
                                 format_func=lambda c: ui.class_name(model, c),
                                 help=f"The judge reads {ui.class_name(model, int(read[0]))} "
                                      f"({confidence[0]:.0%}); correct it if that is wrong. The encoder needs the "
                                      "label to tell the style from the digit.")
        z = model.encode(digit[None], None if label is None else [label])[0]
        pictures.show_digits([digit], ["yours, as the encoder sees it"], size=84)
        return point(model, z, label or 0, "own", "your digit")


# ---------------------------------------------------------------- pictures and files

def decode(model, z: np.ndarray, labels) -> np.ndarray:
    return model.decode(z, labels if model.conditional else None)


def score_caption(score: float) -> str:
    return f"{score:.0f}%" + (" ⚠" if score < LEAVES_DATA else "")


def png(images: np.ndarray, rows: int, cols: int) -> bytes:
    return pictures.png_bytes(to_uint8(tile(images, rows, cols, pad=2)))


def npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, np.asarray(array, np.float32))
    return buffer.getvalue()


def csv(model, names: list[str], z: np.ndarray, scores: np.ndarray, first: str = "point") -> bytes:
    header = [first] + [f"z{k + 1}" for k in range(model.latent_dim)] + ["plausibility_percentile"]
    rows = [",".join([name.replace(",", ";")] + [f"{v:.6g}" for v in row] + [f"{s:.1f}"])
            for name, row, s in zip(names, z, scores)]
    return ("\n".join([",".join(header), *rows]) + "\n").encode()


# ---------------------------------------------------------------- sections

@st.fragment
def sum_and_what_follows(model, own: Point | None, path: np.ndarray, ends: list[Point], link: dict) -> None:
    """The arithmetic and what is drawn from its points and result: the analogy grid, the dimension sliders and the
    3-D view. A fragment: a weight let go or a point chosen reruns this alone, not the walk above it (a third of
    the page's run), and writes its own part of the URL (the page writes all of it on a whole run)."""
    result, inputs = arithmetic(model, own, link)
    grid_of_analogies(model, inputs, link)
    dimension_sliders(model, result)
    three_d_view(model, path, ends, inputs, result)
    links.write(links.ECHO["arithmetic"], {name: link[name] for name in (*SUM, "w", "grid")})


def arithmetic(model, own: Point | None, link: dict) -> Point:
    """wa·A − wb·B + wc·C, decoded beside its inputs, with its plausibility and nearest held-out digits."""
    st.subheader("Arithmetic: A − B + C", anchor=False)
    st.caption("Take B away from A and add C: a held-out 6, minus the average 6, plus the average 8 writes an 8 "
               "in that 6's hand, if the space keeps style apart from the digit." if ui.of_digits(model) else
               "Take B away from A and add C: what B and C differ by, added to A.")
    controls, shown = ui.beside(SHOWN_WIDTH)
    with controls:
        boxes = [st.container() for _ in SUM]  # each input's chooser, then its weight (made once all are chosen)
    inputs = []
    for box, slot in zip(boxes, SUM):
        with box:
            inputs.append(choose_point(model, slot, defaults(model)[slot], own))
    keys = [links.remembered(f"weight_{slot}", DEFAULTS["w"][k]) for k, slot in enumerate(SUM)]
    weights = [live_slider.value_of(key, *WEIGHT, WEIGHT_STEP, DEFAULTS["w"][k]) for k, key in enumerate(keys)]
    for k, (box, slot) in enumerate(zip(boxes, SUM)):  # each one's frames hold the other weights where they stand
        with box:
            weights[k] = live_slider.live_slider(
                f"Weight of {SLOTS[slot]}", *WEIGHT, key=keys[k], value=DEFAULTS["w"][k], step=WEIGHT_STEP,
                format="%.1f", picture=SUM_PICTURE, frames=partial(weight_frames, model, inputs, tuple(weights), k),
                depends_on=(faces.ident(model), [(p.spec, p.z, p.label) for p in inputs], k,
                            [w for j, w in enumerate(weights) if j != k]))  # not its own: no rebuild on its release
    link.update({slot: p.spec for slot, p in zip(SUM, inputs)})
    link["w"] = ",".join(f"{w:g}" for w in weights)
    result = summed(inputs, weights)
    digits = sum_digits(model, inputs, [result.z], None if result.label is None else [result.label])[0]
    a, b, c = inputs
    stack = np.stack([a.z, b.z, c.z, result.z])
    scores = plausibility(model, faces.ident(model))(stack)
    with shown:
        names = [f"A: {a.name}", f"B: {b.name}", f"C: {c.name}", "= result"]
        pictures.show_digits(digits, [f"{n} · {score_caption(s)}" for n, s in zip(names, scores)], size=96,
                             live=live_slider.mark(SUM_PICTURE))
        ui.metrics_row([("Result's plausibility", f"{scores[-1]:.0f}%",
                         "Where the result ranks among the held-out digits' own typicality (density under the prior "
                         "and closeness to a real digit's code): 50% is as typical as the median real digit.")])
        if scores[-1] < LEAVES_DATA:
            st.warning("The result lies outside the region the data occupies (⚠): the decoder draws there what it "
                       "never saw.")
        near, distance = nearest_codes(result.z, model.heldout["means"], NEIGHBOURS)
        originals, missing = ui.heldout_originals(model)
        shown = originals[near] if originals is not None else ui.decode_heldout(model, model.heldout, near)
        st.markdown("Its nearest held-out digits" + ("" if originals is not None else ", redrawn from their codes")
                    + ", with their distance in latent space:")
        pictures.show_digits(shown, [f"#{i} · {d:.2f}" for i, d in zip(near, distance)], size=56, one_row=True)
        if missing:
            st.caption(missing)
        downloads(f"arithmetic_{model.id}", [
            ("PNG", png(digits, 1, 4), ".png", "image/png"),
            ("Vectors (.npy)", npy(stack), ".npy", "application/octet-stream"),
            ("CSV", csv(model, ["A " + a.spec, "B " + b.spec, "C " + c.spec, "result"], stack, scores), ".csv",
             "text/csv")])
    return result, inputs


def summed(inputs: list[Point], weights) -> Point:
    """wa·A − wb·B + wc·C, a conditional model's label mixed by the same weights."""
    a, b, c = inputs
    label = label_mixture(analogy(a.label, b.label, c.label, weights), fallback=c.label)[0] \
        if a.label is not None else None
    return Point(analogy(a.z, b.z, c.z, weights), label, "", f"{weights[0]:g}·A − {weights[1]:g}·B + {weights[2]:g}·C")


def sum_digits(model, inputs: list[Point], results, labels) -> np.ndarray:
    """The row the sum is shown in, for each result: A, B, C and the result, decoded in one batch; (R, 4, h, w)."""
    a, b, c = inputs
    n = len(results)
    z = np.concatenate([np.repeat(np.stack([a.z, b.z, c.z])[None], n, 0), np.asarray(results)[:, None]], axis=1)
    mixed = None if a.label is None else np.concatenate(
        [np.repeat(np.stack([a.label, b.label, c.label])[None], n, 0), np.asarray(labels)[:, None]], axis=1)
    shown = decode(model, z.reshape(n * 4, -1), None if mixed is None else mixed.reshape(n * 4, -1))
    return shown.reshape(n, 4, *shown.shape[1:])


def weight_frames(model, inputs: list[Point], weights: tuple, k: int, values: np.ndarray) -> np.ndarray:
    """A weight slider's frames: the sum's row with weight k at each of `values` and the others where they stand."""
    sums = [summed(inputs, [float(v) if j == k else w for j, w in enumerate(weights)]) for v in values]
    return sum_digits(model, inputs, [p.z for p in sums], None if sums[0].label is None else [p.label for p in sums])


def grid_of_analogies(model, inputs: list[Point], link: dict) -> None:
    """White's J-diagram: B top left, A top right, C bottom left, and A − B + C where the rows and columns meet."""
    st.subheader("Analogy grid", anchor=False)
    a, b, c = inputs
    controls, shown = ui.beside(GRID_PIXELS)
    with controls:
        n = st.slider("Rows and columns", *GRID, key=links.remembered("arith_grid", DEFAULTS["grid"]))
        st.caption("Left to right the offset from B to A is added in even steps; top to bottom the offset from B "
                   "to C. The corner opposite B is A − B + C with unit weights: the analogy "
                   "\"B is to A as C is to ?\" (White's J-diagram).")
    link["grid"] = str(n)
    z = analogy_grid(b.z, a.z, c.z, n, n)
    labels = label_mixture(analogy_grid(b.label, a.label, c.label, n, n), fallback=c.label) \
        if model.conditional else None
    digits = decode(model, z, labels)
    with shown:
        mosaic = to_uint8(tile(digits, n, n))
        pictures.show_mosaic(mosaic, GRID_PIXELS)
        downloads(f"analogy_grid_{model.id}", [("PNG", pictures.png_bytes(mosaic), ".png", "image/png"),
                                               ("Vectors (.npy)", npy(z), ".npy", "application/octet-stream")])


@st.fragment
def dimension_sliders(model, result: Point) -> None:
    """The result, moved one latent dimension at a time, beside each dimension's held-out mean and spread. A
    fragment: a slider let go reruns this alone (the walk, the arithmetic, the grid and the 3-D view are not sent
    again; the browser redraws a changed 3-D view in software WebGL for 0.4 s or more, so the moved point is marked
    on the bars, not in 3-D)."""
    st.subheader("One dimension at a time", anchor=False)
    codes = model.heldout["means"]
    mean, spread = codes.mean(0), codes.std(0)
    if model.latent_dim <= 2:
        st.caption("A 2-D latent is drawn whole on the Latent scatter and Decoded grid pages; the 3-D view below "
                   "shows the result in it.")
        return
    dims = sorted(widest_dimensions(codes, DIM_SLIDERS).tolist())
    fingerprint = hashlib.sha1(result.z.tobytes()).hexdigest()[:8]  # a new result starts the sliders afresh
    st.caption(f"The sliders start at the arithmetic's result and move the {len(dims)} dimensions along which "
               f"the held-out codes spread most, each over their mean ± 4 standard deviations; the chart marks "
               "where the point is in every dimension.")
    controls, shown = ui.beside(controls_width=2 * ui.CONTROLS_WIDTH)
    ranges = {k: (round(float(mean[k] - 4 * spread[k]), 2), round(float(mean[k] + 4 * spread[k]), 2)) for k in dims}
    starts = {k: float(np.clip(round(float(result.z[k]), 2), *ranges[k])) for k in dims}
    keys = {k: links.remembered(ui.model_key(model, f"dim{k + 1}_{fingerprint}"), starts[k]) for k in dims}
    z = result.z.copy()
    for k in dims:  # every slider's value first: each one's frames hold the others where they are
        z[k] = moved_value(z[k], starts[k], st.session_state[keys[k]])
    with controls:
        for column, k in zip(st.columns(2) * len(dims), dims):
            with column:
                value = live_slider.live_slider(
                    ui.latent_name(k), *ranges[k], key=keys[k], value=starts[k], step=0.01, picture=MOVED_PICTURE,
                    frames=partial(dimension_frames, model, z.copy(), k, result.label),
                    depends_on=(faces.ident(model), k, np.delete(z, k), result.label),
                    help=f"Held-out mean {mean[k]:+.2f}, spread {spread[k]:.2f}.")
                z[k] = moved_value(result.z[k], starts[k], value)
    digit = decode(model, z[None], None if result.label is None else result.label[None])
    score = plausibility(model, faces.ident(model))(z)[0]
    with shown:
        pictures.show_digits(digit, [f"plausibility {score_caption(score)}"], size=SCRUBBED_SIZE,
                             live=live_slider.mark(MOVED_PICTURE))
        chart(charts.spread_chart([ui.latent_name(k) for k in range(model.latent_dim)], mean, spread, z),
              "spread_chart", displayModeBar=False)


def moved_value(exact: float, start: float, value: float) -> float:
    """A dimension's coordinate: the slider's value once moved; the result's own (not its 0.01 step) until then."""
    return value if value != start else exact


def dimension_frames(model, z: np.ndarray, k: int, label, values: np.ndarray) -> np.ndarray:
    """The point with dimension k at each of `values` and the others as they are: one batched decode."""
    codes = np.repeat(z[None], len(values), axis=0)
    codes[:, k] = values
    return decode(model, codes, None if label is None else np.repeat(label[None], len(values), axis=0))


def three_d_view(model, path: np.ndarray, ends: list[Point], inputs: list[Point], result: Point) -> None:
    st.subheader("In 3-D", anchor=False)
    chart(view_figure(model, path, ends, inputs, result), "view_3d")
    st.caption("The held-out codes, coloured by label, " + (
        "over the plane of the 2-D latent, raised by their log density under the prior" if model.latent_dim == 2
        else f"on the first three principal components of the {model.latent_dim}-D codes") +
        ". Drag to turn it, scroll to zoom, click a label to hide its class. Black: the interpolation path; "
        "the inputs and the result are marked (the point the sliders moved: on the bars above).")


def view_figure(model, path: np.ndarray, ends: list[Point], inputs: list[Point], result: Point) -> dict:
    # A symbol each, so that the legend tells every mark apart (two black dots did not say which end was which).
    marks = [charts.Mark(f"{end}: {p.name}", p.z, symbol, "#000000")
             for end, p, symbol in zip(("from", "to"), ends, ("circle", "circle-open"))] + \
            [charts.Mark(f"{slot}: {p.name}", p.z, symbol, "#555555")
             for slot, p, symbol in zip("ABC", inputs, ("square", "square-open", "x"))] + \
            [charts.Mark("result", result.z, "diamond", "#D62728")]
    key = faces.ident(model)
    return charts.view_figure(view(model, key), heldout_traces(model, key), path, marks, model.id)
