"""Latent scatter: where each held-out digit lands in latent space, and what the points decode to.

Click a dot, or drag a box or lasso, to see the digits behind it. "Images as
markers" draws decoded digits where their codes lie, like the sprite view of
TensorFlow's Embedding Projector, so the layout of the space reads at a glance.
The chart, its controls and the selection are one fragment: a click reruns only them.
"""
import numpy as np
import plotly.graph_objects as go
import streamlit as st

import ui
from core.images import paste_sprites
from core.latent import stratified_indices

GALLERY_LIMIT = 40
THUMBNAIL_SEED = 0
DIGITS_ACROSS = 20
VIEWS = ("Dots", "Images as markers")


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


def scatter_figure(model, xy: np.ndarray, labels: np.ndarray, axis_titles: tuple[str, str]) -> go.Figure:
    """One WebGL trace per class (so the legend toggles classes); customdata carries each point's held-out index."""
    fig = go.Figure()
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        name = ui.class_name(model, int(label))
        fig.add_trace(go.Scattergl(
            x=xy[members, 0], y=xy[members, 1], customdata=members, mode="markers", name=name,
            marker={"color": ui.class_color(label), "size": 5, "opacity": 0.8},
            hovertemplate=f"label {name} · digit #%{{customdata}}<br>(%{{x:.2f}}, %{{y:.2f}})<extra></extra>"))
    fig.update_layout(height=660, margin={"l": 10, "r": 10, "t": 40, "b": 10}, font_size=13, clickmode="event+select",
                      legend={"title": {"text": "Label"}, "itemsizing": "constant"},
                      xaxis_title=axis_titles[0], yaxis_title=axis_titles[1])
    fig.update_yaxes(scaleanchor="x", scaleratio=1)  # equal units, so distances and gaps read true
    return fig


@st.cache_data(show_spinner="Decoding thumbnails…", max_entries=32)
def sprite_sheet(_model, _xy: np.ndarray, model_id: str, projection: str, count: int) -> tuple[str, np.ndarray]:
    """`count` held-out points (stratified by class, seeded) decoded, tinted by class and pasted where they lie.

    Returns one transparent PNG and the plot rectangle [x0, x1, y0, y1] it covers. A digit spans
    1/DIGITS_ACROSS of the plot's longer side, at its own 28-pixel resolution.
    """
    labels = _model.heldout["labels"]
    picked = stratified_indices(labels, count, seed=THUMBNAIL_SEED)
    digits = ui.decode_heldout(_model, _model.heldout, picked)
    sprites = np.stack([ui.tinted(digit, ui.class_color(labels[i])) for i, digit in zip(picked, digits)])
    cell = digits.shape[1]
    digit_size = np.ptp(_xy, axis=0).max() / DIGITS_ACROSS  # in plot units
    low, high = _xy.min(0) - digit_size, _xy.max(0) + digit_size
    pixels_per_unit = cell / digit_size
    shape = np.ceil((high - low)[::-1] * pixels_per_unit).astype(int)  # rows follow y, columns x
    centres = np.column_stack([(high[1] - _xy[picked, 1]), (_xy[picked, 0] - low[0])]) * pixels_per_unit
    canvas = paste_sprites(sprites, np.round(centres - cell / 2), tuple(shape))
    return ui.png_data_uri(canvas), np.array([low[0], high[0], low[1], high[1]])


def add_sprite_sheet(fig: go.Figure, source: str, extent: np.ndarray) -> None:
    """Lay the sheet over the plot; dots fade so the digits dominate but stay clickable."""
    x0, x1, y0, y1 = extent
    fig.update_traces(marker_opacity=0.15)
    fig.add_layout_image(source=source, x=x0, y=y1, sizex=x1 - x0, sizey=y1 - y0, xref="x", yref="y",
                         xanchor="left", yanchor="top", sizing="stretch", layer="above")


def selected_indices(event) -> np.ndarray:
    """Held-out indices of the selected points (customdata of each, a scalar or a one-item list)."""
    points = event["selection"]["points"]
    return np.array([np.ravel(p["customdata"])[0] for p in points if "customdata" in p], dtype=int)


def show_point(model, codes: dict, index: int, xy: np.ndarray, originals) -> None:
    """One clicked digit: original beside its decoded latent mean, label and coordinates."""
    name = ui.class_name(model, int(codes["labels"][index]))
    st.subheader(f"Digit #{index} · label {name}", anchor=False)
    mean = codes["means"][index]
    decoded = ui.decode_heldout(model, codes, [index])
    if originals is None:
        ui.show_digits(decoded, ["Decoded from its shipped latent mean"], size=140)
    else:
        ui.show_digits([originals[index], decoded[0]], ["Original", "Decoded from its latent mean"], size=140)
    st.markdown(f"Plotted at **({xy[index, 0]:.2f}, {xy[index, 1]:.2f})**")
    if model.latent_dim > 2:
        st.markdown(f"Latent mean ({model.latent_dim}-D): `{np.array2string(mean, precision=2, max_line_width=60)}`")


def show_group(model, codes: dict, picked: np.ndarray, originals) -> None:
    """A box or lasso selection: how many of each class, and the digits themselves."""
    labels = codes["labels"][picked]
    st.subheader(f"{len(picked)} digits selected", anchor=False)
    counts = np.bincount(labels, minlength=model.num_classes)
    st.caption("By label: " + " · ".join(f"**{ui.class_name(model, c)}** {n}" for c, n in enumerate(counts) if n))
    shown = picked[:GALLERY_LIMIT]
    if originals is None:
        images, what = ui.decode_heldout(model, codes, shown), "Reconstructions decoded from the shipped latent means"
    else:
        images, what = originals[shown], "Original held-out digits"
    more = f" (the first {GALLERY_LIMIT} of {len(picked)})" if len(picked) > GALLERY_LIMIT else ""
    st.markdown(f"{what}{more}, captioned with their labels:")
    ui.show_digits(images, [ui.class_name(model, int(c)) for c in labels[:GALLERY_LIMIT]], size=56)


@st.fragment
def explorer(model, codes: dict) -> None:
    """The chart, its controls and what is selected in it: a click or a control change reruns only this part."""
    views = projections(model, codes)
    projection_column, view_column, count_column = st.columns([2, 2, 3])
    with projection_column:
        projection = st.radio("Projection", list(views), horizontal=True, key="projection",
                              help="PCA keeps global distances; t-SNE keeps neighbours together but distorts distances "
                                   "between clusters. Both were computed from the full latent means."
                              if len(views) > 1 else "A 2-D latent needs no projection: the axes are its coordinates.")
    with view_column:
        view = st.radio("Draw", VIEWS, horizontal=True, key="view")
    xy, axis_titles = views[projection]
    figure = scatter_figure(model, xy, codes["labels"], axis_titles)
    if view == "Images as markers":
        with count_column:
            count = st.slider("Thumbnails", 50, 1000, 300, step=50, key="thumbnails",
                              help="How many digits to draw, as evenly spread over the labels as possible (seeded).")
        add_sprite_sheet(figure, *sprite_sheet(model, xy, model.id, projection, count))

    chart_column, selection_column = st.columns([3, 2], gap="large")
    with chart_column:
        event = st.plotly_chart(figure, key="latent_scatter", on_select="rerun",
                                selection_mode=("points", "box", "lasso"))
    with selection_column:
        picked = selected_indices(event)
        originals, missing_originals = ui.heldout_originals(model)
        if len(picked) == 0:
            st.info("Click a dot to decode it, or pick the box or lasso tool (top right of the chart) and drag "
                    "over a region to see its digits. Click a label in the legend to hide that class.")
        elif len(picked) == 1:
            show_point(model, codes, int(picked[0]), xy, originals)
        else:
            show_group(model, codes, picked, originals)
        if missing_originals:
            st.caption(missing_originals)


ui.setup_page("Latent scatter")
model = ui.pick_model()
codes = ui.heldout_codes(model)
st.title("Latent scatter", anchor=False)
st.caption(f"Each dot is one of the {len(codes['labels']):,} held-out digits, placed at the latent mean the "
           "encoder gives it, coloured by its true label. The model never saw these digits in training.")

explorer(model, codes)
