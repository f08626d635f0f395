"""The Latent scatter page's parts (pages/1_Latent_scatter.py lays them out): the scatter of held-out codes as a
Vega-Lite chart, shared with the tour, the page's view as URL parameters (?view=images&thumbnails=300), which the
tour's link writes too, and the explorer fragment: the chart, its controls and what is selected in it.

Built once per model and view (st.cache_data): dots coloured by label with a click and a box selection, and,
when asked, decoded digits pasted where their codes lie (a sprite sheet under the dots).
"""
import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

import faces
import links
import pictures
import ui
from core.images import paste_sprites
from core.latent import stratified_indices

THUMBNAIL_SEED = 0
DIGITS_ACROSS = 20
CLICK, BOX = "digit", "box"  # the chart's two selections, by name
PLOT_SIZE = np.array([400, 400])  # the plotting area in pixels: with its axes it fits beside the sidebar at 800 px
VIEWS = {"dots": "Dots", "images": "Images as markers"}  # ?view=: the page's Draw choice
THUMBNAILS = range(50, 1001, 50)  # ?thumbnails=: how many digits "Images as markers" draws
DEFAULT_THUMBNAILS = 300
VIEW_KEY, THUMBNAILS_KEY = "view", "thumbnails"  # the page's widgets
PARAMS = ("view", "thumbnails")  # the view as the URL keeps it
GALLERY_LIMIT = 40
PANEL_WIDTH = 300  # the controls and selection beside the chart; below it when the window is too narrow for both


def link(view: str, thumbnails: int | None) -> dict[str, str]:
    """The view as the URL keeps it: ?view=, and ?thumbnails= when digits are drawn."""
    return {"view": view, **({"thumbnails": str(thumbnails)} if view == "images" else {})}


def apply_parameter(model, name: str, value: str) -> None:
    """One parameter of a new link (or an edited URL) put into the Draw or Thumbnails widget, or a ValueError saying
    why not. The face VAE's scatter (dashboard/face_views.py) has neither."""
    if name not in ("view", "thumbnails"):
        raise ValueError("not a setting of this page")
    if model.card.get("dataset", {}).get("name") == "celeba":
        raise ValueError("the face scatter has no such setting")
    if name == "view":
        if value not in VIEWS:
            raise ValueError(f"use {' or '.join(VIEWS)}")
        st.session_state[VIEW_KEY] = value
    elif value not in [str(n) for n in THUMBNAILS]:
        raise ValueError(f"a multiple of {THUMBNAILS.step} from {THUMBNAILS.start} to {THUMBNAILS[-1]}")
    else:
        st.session_state[THUMBNAILS_KEY] = int(value)


def keep_in_url(values: dict[str, str]) -> None:
    """The view into the URL (beside ?model=), remembered as our own echo; anything else in the URL goes."""
    links.tidy(values)
    links.write(links.ECHO["scatter"], values, PARAMS)


def projections(model, codes: dict) -> dict[str, tuple[np.ndarray, tuple[str, str]]]:
    """The 2-D views on offer, with axis titles: a 2-D latent as it is, else the PCA and t-SNE maps in latents.npz."""
    if model.latent_dim == 2:
        return {"Latent coordinates": (codes["means"], ("z₁", "z₂"))}
    shipped = {"PCA": ("pca", ("principal component 1", "principal component 2")),
               "t-SNE": ("tsne", ("t-SNE 1", "t-SNE 2"))}
    views = {name: (codes[key], axes) for name, (key, axes) in shipped.items() if key in codes}
    if not views:
        st.error(f"latents.npz of **{model.id}** holds no 2-D projections; write them with "
                 f"`python -m core.evaluate {model.id}`.")
        st.stop()
    return views


def equal_unit_domains(xy: np.ndarray, plot_size: np.ndarray = PLOT_SIZE) -> list[list[float]]:
    """x and y domains around the points, a digit's width of margin, padded so that one unit is as many
    pixels on both axes (distances and gaps read true), and fixed, so nothing re-lays the axes on a click."""
    low, high = xy.min(0), xy.max(0)
    margin = np.ptp(xy, axis=0).max() / DIGITS_ACROSS  # the thumbnails' size: they fit inside
    per_pixel = max((high - low + 2 * margin) / plot_size) or 1 / plot_size.max()  # all points at one spot: span 1
    centre, half = (low + high) / 2, plot_size * per_pixel / 2
    return [[float(centre[k] - half[k]), float(centre[k] + half[k])] for k in range(2)]


@st.cache_data(show_spinner="Drawing the chart…", max_entries=32)
def scatter_chart(_model, _xy: np.ndarray, model: str, projection: str, axis_titles: tuple[str, str],
                  thumbnails: int | None, side: int = int(PLOT_SIZE[0]), legend: str = "top") -> dict:
    """Dots coloured by label on a canvas; a click picks the nearest dot (ringed), a drag draws a box, the
    legend fades classes; with `thumbnails`, that many decoded digits drawn under the dots. `side`: the plotting
    area's width and height in pixels; `legend`: where the legend goes (top, or right where height is short).

    Vega-Lite on a canvas: a click costs the browser about half what a WebGL Plotly chart does. Returned as
    the Vega-Lite spec, built and checked against its schema once per view, not on every click (~70 ms).
    """
    xy, labels = _xy, _model.heldout["labels"]  # model and projection name them in the cache key
    sprites = sprite_sheet(_model, xy, model, projection, thumbnails) if thumbnails else None
    names = [ui.class_name(_model, c) for c in range(_model.num_classes)]
    points = pd.DataFrame({"x": xy[:, 0], "y": xy[:, 1], "label": np.array(names)[labels], "index": np.arange(len(xy))})
    plot_size = np.array([side, side])
    x_domain, y_domain = equal_unit_domains(xy, plot_size)
    base = alt.Chart(points).encode(
        x=alt.X("x:Q", title=axis_titles[0], scale=alt.Scale(domain=x_domain, nice=False, zero=False)),
        y=alt.Y("y:Q", title=axis_titles[1], scale=alt.Scale(domain=y_domain, nice=False, zero=False)))
    clicked = alt.selection_point(name=CLICK, fields=["index"], nearest=True, on="click", empty=False)
    shown = alt.selection_point(fields=["label"], bind="legend")
    dots = base.mark_circle(size=24).encode(
        color=alt.Color("label:N", title="Label", scale=alt.Scale(domain=names, range=ui.CLASS_COLORS[:len(names)]),
                        legend=alt.Legend(orient=legend, direction="horizontal" if legend == "top" else "vertical",
                                           symbolOpacity=1)),
        opacity=alt.condition(shown, alt.value(0.15 if sprites else 0.8), alt.value(0.03)),
        tooltip=[alt.Tooltip("label:N", title="label"), alt.Tooltip("index:Q", title="digit #"),
                 alt.Tooltip("x:Q", format=".2f", title=axis_titles[0]), alt.Tooltip("y:Q", format=".2f", title=axis_titles[1])],
    ).add_params(clicked, alt.selection_interval(name=BOX), shown)
    ring = base.mark_point(size=220, filled=False, color="black", strokeWidth=2).transform_filter(clicked)
    layers = [dots, ring]
    if sprites:
        source, (x0, x1, y0, y1) = sprites
        sheet = pd.DataFrame({"x": [x0], "x2": [x1], "y": [y1], "y2": [y0], "url": [source]})
        layers.insert(0, alt.Chart(sheet).mark_image(aspect=False).encode(x="x:Q", x2="x2:Q", y="y:Q", y2="y2:Q",
                                                                            url="url:N"))
    return alt.layer(*layers).properties(  # "pad": the plot keeps its size (and equal units), axes go around it
        width=side, height=side, autosize=alt.AutoSizeParams(type="pad"),
        usermeta={"embedOptions": {"renderer": "canvas"}}).to_dict()


@st.cache_data(show_spinner="Decoding thumbnails…", max_entries=32)
def sprite_sheet(_model, _xy: np.ndarray, model: str, projection: str, count: int) -> tuple[str, np.ndarray]:
    """`count` held-out points (stratified by class, seeded) decoded, tinted by class and pasted where they lie.

    Returns one transparent PNG and the plot rectangle [x0, x1, y0, y1] it covers. A digit spans
    1/DIGITS_ACROSS of the plot's longer side, at its own 28-pixel resolution.
    """
    labels = _model.heldout["labels"]
    picked = stratified_indices(labels, count, seed=THUMBNAIL_SEED)
    digits = ui.decode_heldout(_model, _model.heldout, picked)
    sprites = np.stack([pictures.tinted(digit, ui.class_color(labels[i])) for i, digit in zip(picked, digits)])
    cell = digits.shape[1]
    digit_size = np.ptp(_xy, axis=0).max() / DIGITS_ACROSS  # in plot units
    low, high = _xy.min(0) - digit_size, _xy.max(0) + digit_size
    pixels_per_unit = cell / digit_size
    shape = np.ceil((high - low)[::-1] * pixels_per_unit).astype(int)  # rows follow y, columns x
    centres = np.column_stack([(high[1] - _xy[picked, 1]), (_xy[picked, 0] - low[0])]) * pixels_per_unit
    canvas = paste_sprites(sprites, np.round(centres - cell / 2), tuple(shape))
    return pictures.png_data_uri(canvas), np.array([low[0], high[0], low[1], high[1]])


def picked_digits(event, xy: np.ndarray, chart_key: str) -> np.ndarray:
    """Held-out indices of what the user picked last on this chart: the clicked digit, or the digits inside the box.

    The chart keeps both selections; whichever changed in this run is the one the user just made.
    Each chart (one per model and projection) remembers its own, so a selection never follows a switch.
    """
    selection = event["selection"]
    box = selection.get(BOX) or {}
    inside = np.ones(len(xy), bool)
    for k, axis in enumerate(("x", "y")):
        low, high = sorted(box.get(axis) or (np.inf, np.inf))
        inside &= (xy[:, k] >= low) & (xy[:, k] <= high)
    picks = {CLICK: [int(p["index"]) for p in selection.get(CLICK, [])], BOX: np.flatnonzero(inside).tolist()}
    seen = st.session_state.setdefault(f"{chart_key}_seen", {CLICK: [], BOX: [], "latest": CLICK})
    for kind, picked in picks.items():
        if picked != seen[kind]:
            seen[kind] = picked
            if picked:
                seen["latest"] = kind
    latest = seen["latest"] if picks[seen["latest"]] else next((k for k in picks if picks[k]), CLICK)
    return np.array(picks[latest], dtype=int)


def show_point(model, codes: dict, index: int, xy: np.ndarray, originals) -> None:
    """One clicked digit: original beside its decoded latent mean, label and coordinates."""
    name = ui.class_name(model, int(codes["labels"][index]))
    st.subheader(f"Digit #{index} · label {name}", anchor=False)
    mean = codes["means"][index]
    decoded = ui.decode_heldout(model, codes, [index])
    if originals is None:
        pictures.show_digits(decoded, ["Decoded from its shipped latent mean"], size=140)
    else:
        pictures.show_digits([originals[index], decoded[0]], ["Original", "Decoded from its latent mean"], size=140)
    st.markdown(f"Plotted at **({xy[index, 0]:.2f}, {xy[index, 1]:.2f})**")
    if model.latent_dim > 2:
        st.markdown(f"Its latent mean, {model.latent_dim} numbers:")
        st.dataframe(pd.DataFrame([np.round(mean, 2)], columns=[ui.latent_name(k) for k in range(model.latent_dim)]),
                     hide_index=True)


def show_group(model, codes: dict, picked: np.ndarray, originals) -> None:
    """A box selection: how many of each class, and the digits themselves."""
    labels = codes["labels"][picked]
    st.subheader(f"{len(picked)} digits selected", anchor=False)
    counts = np.bincount(labels, minlength=model.num_classes)
    parts = [f"{n} labelled {ui.class_name(model, c)}" for c, n in enumerate(counts) if n]
    st.caption("Of them, " + (", ".join(parts[:-1]) + " and " if len(parts) > 1 else "") + parts[-1] + ".")
    shown = picked[:GALLERY_LIMIT]
    if originals is None:
        images, what = ui.decode_heldout(model, codes, shown), "Reconstructions decoded from the shipped latent means"
    else:
        images, what = originals[shown], "Original held-out digits"
    more = f" (the first {GALLERY_LIMIT} of {len(picked)})" if len(picked) > GALLERY_LIMIT else ""
    st.markdown(f"{what}{more}, captioned with their labels:")
    pictures.show_digits(images, [ui.class_name(model, int(c)) for c in labels[:GALLERY_LIMIT]], size=56)


@st.fragment
def explorer(model, codes: dict) -> None:
    """The chart, its controls and what is selected in it: a click or a control change reruns only this part.

    Chart and panel sit side by side, and the panel moves under the chart when the window is too narrow.
    The controls are in the panel, so nothing sits under the chart's hover toolbar.
    """
    views = projections(model, codes)
    with st.container(horizontal=True, gap="medium"):
        chart_box, panel = st.container(width="content"), st.container(width=PANEL_WIDTH)
    with panel:
        projection = st.radio("Projection", list(views), horizontal=True, key=ui.model_key(model, "projection"),
                              help="PCA keeps global distances; t-SNE keeps neighbours together but distorts distances "
                                   "between clusters. Both were computed from the full latent means."
                              if len(views) > 1 else "A 2-D latent needs no projection: the axes are its coordinates.")
        if model.num_classes == 1:  # unlabelled pictures, one colour: their decoded thumbnails say what lies where
            st.session_state.setdefault(VIEW_KEY, "images")
        view = st.radio("Draw", list(VIEWS), horizontal=True, key=VIEW_KEY,
                        format_func=VIEWS.get)
        thumbnails = None
        if view == "images":
            st.session_state.setdefault(THUMBNAILS_KEY, DEFAULT_THUMBNAILS)  # or a link's number
            thumbnails = st.slider("Thumbnails", THUMBNAILS.start, THUMBNAILS[-1],
                                   step=THUMBNAILS.step, key=THUMBNAILS_KEY,
                                   help="How many digits to draw, as evenly spread over the labels as possible "
                                        "(seeded).")
        keep_in_url(link(view, thumbnails))
    xy, axis_titles = views[projection]
    chart_key = f"latent_scatter_{model.id}_{projection}"  # a selection belongs to the model and view it was made on
    with chart_box:
        event = st.vega_lite_chart(scatter_chart(model, xy, faces.ident(model), projection, axis_titles, thumbnails),
                                   key=chart_key, on_select="rerun", selection_mode=(CLICK, BOX), width="content")
    with panel:
        picked = picked_digits(event, xy, chart_key)
        originals, missing_originals = ui.heldout_originals(model)
        if len(picked) == 0:
            st.info("Click near a dot to decode the nearest digit, or drag a box over a region to see its digits "
                    "(double-click clears it). Click a label in the legend to fade the other classes.")
        elif len(picked) == 1:
            show_point(model, codes, int(picked[0]), xy, originals)
        else:
            show_group(model, codes, picked, originals)
        if missing_originals:
            st.caption(missing_originals)


def generator_asked_for() -> dict | None:
    """The card of a generator without an encoder (a GAN) that a link or the user's last choice asks for: this page
    cannot show it, and says why. Read before pick_model, which answers the same link."""
    requested = st.query_params.get(links.MODEL_PARAM)
    wanted = requested if requested is not None and requested != st.session_state.get(ui.URL_KEY) \
        else st.session_state.get(ui.CHOSEN_KEY)
    card = next((c for c in ui.shipped_cards() if c["id"] == wanted and "error" not in c), None)
    if card is None or ui.serves(ui.PAGES["scatter"], card) or not ui.serves(ui.PAGES["gans"], card):
        return None
    return card
