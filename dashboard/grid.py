"""The Decoded grid page's grid (pages/2_Decoded_grid.py lays the page out): the plane through latent space it
sweeps, with the range it opens on, shared with the live plane (dashboard/live_plane.py); the controls that pick the
plane and its steps, kept in the URL; the grid fragment that decodes it; and the held-out digits beside their
reconstructions.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
import streamlit as st

import faces
import links
import pictures
import ui
from core.images import tile, to_uint8
from core.latent import (coordinate_axes, occupied_extent, plane_coordinates, plane_points, principal_axes,
                         stratified_indices, sweep_values)

PLANES = ("Two latent dimensions", "Two principal components")
NOISE_PLANES = ("Two latent dimensions", "Two random directions")  # a generator's: no codes to take components of
NOISE_EXTENT = 3.0  # along any direction, 99.7% of a generator's noise N(0, I) lies within 3 standard deviations
SWEEPS = ("Linear steps", "Gaussian quantiles")
GRID_PIXELS = 520  # the grid's width on screen, whatever its size: beside the controls at 1280 px, below them at 800
GRID_ECHO = links.ECHO["grid"]
LINKED_KEY = "grid_linked"  # a link's grid settings, waiting for the widgets they belong to (keys depend on the plane)
# ?plane= names: a plane of two latent dimensions, two principal components, two random directions.
PLANE_NAMES = {"dims": "Two latent dimensions", "pc": "Two principal components", "random": "Two random directions"}
STEP_NAMES = {"linear": SWEEPS[0], "quantile": SWEEPS[1]}
EXTENT, MASS, SIZES = (0.5, 5.0, 0.25), (50, 99), (2, 30)
GRID_PARAMS = ("digit", "plane", "x", "y", "through", "directions", "steps", "range", "mass", "n")


class Plane(NamedTuple):
    """The plane centre + x·axes[0] + y·axes[1], with x and y counted in standard deviations of the codes."""
    center: np.ndarray
    axes: np.ndarray            # (2, latent_dim), each one standard deviation of the codes long
    titles: tuple[str, str]
    origins: np.ndarray         # the coordinates the caption gives for the centre
    name: str                   # which plane of this model: keys the controls whose defaults depend on it


def coordinate_plane(means: np.ndarray, i: int, j: int) -> Plane:
    """The plane of latent dimensions i and j through the mean code, one standard deviation of the codes a unit
    (the other dimensions at their mean): for a 2-D latent, the latent space itself."""
    center, axis_x, axis_y = coordinate_axes(means, i, j)
    name = "z" if means.shape[1] == 2 else f"z{i}z{j}"
    return Plane(center, np.stack([axis_x, axis_y]), (ui.latent_name(i), ui.latent_name(j)), center[[i, j]], name)


@st.cache_data(show_spinner=False, max_entries=64)
def measured_extent(_means: np.ndarray, _plane: Plane, model: str, plane_name: str) -> float:
    """The default range: the widest grid whose cells lie among the held-out codes (80% of them within a cell's
    spacing of one), so the grid opens on digits, not on the noise a decoder draws far from its data."""
    return occupied_extent(plane_coordinates(_means, _plane.center, _plane.axes))


def default_plane(model) -> tuple[Plane, float]:
    """The plane and range the Decoded grid opens on for a 2-D model."""
    means = model.heldout["means"]
    plane = coordinate_plane(means, 0, 1)
    return plane, measured_extent(means, plane, faces.ident(model), plane.name)


def grid_setting(model, name: str, value: str):
    """One of the grid's URL parameters as the value its widget takes, or a ValueError saying what it may be."""
    if name == "digit":
        if not model.conditional:
            raise ValueError(f"{model.id} is not told which digit to draw")
        return links.whole_number(value, 0, model.num_classes - 1)
    planes = [] if model.latent_dim == 2 and model.has_encoder else ["dims", "random"] if not model.has_encoder \
        else ["dims", "pc"]
    if name == "plane":
        if value not in planes:
            raise ValueError(f"one of {', '.join(planes)}" if planes else "a 2-D latent is its own plane")
        return PLANE_NAMES[value]
    if name in ("x", "y"):
        if not planes:
            raise ValueError("a 2-D latent is its own plane")
        return links.whole_number(value, 0, model.latent_dim - 1)
    if name in ("through", "directions"):
        if model.has_encoder:
            raise ValueError("only a GAN's plane runs through a seed's noise")
        return links.whole_number(value, 0, ui.MAX_SEED)
    if name == "steps":
        if value not in STEP_NAMES:
            raise ValueError(f"{' or '.join(STEP_NAMES)}")
        return STEP_NAMES[value]
    if name == "range":
        return links.snapped(value, *EXTENT)
    if name == "mass":
        return links.whole_number(value, *MASS)
    if name == "n":
        return links.whole_number(value, *SIZES)
    raise ValueError("not a setting of this page")


def linked(key: str, name: str, default) -> str:
    """A widget's key, its state set first: to the link's value for URL parameter `name` (once: later runs keep the
    user's), else to `default` when it has none. The widget is then made without a default of its own."""
    pending = st.session_state.get(LINKED_KEY, {})
    if name in pending:
        st.session_state[key] = pending.pop(name)
    return links.remembered(key, default)


def keep_grid_in_url(values: dict) -> None:
    """The grid's settings into the URL on every grid run (its fragment's too), the others of GRID_PARAMS out."""
    links.write(GRID_ECHO, {name: values.get(name) for name in GRID_PARAMS})


@st.cache_data(show_spinner=False, max_entries=16)
def principal_plane(_means: np.ndarray, model: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """PCA of a model's held-out codes, fitted once per model rather than on every grid change."""
    return principal_axes(_means, k=2)


def noise_plane(model) -> Plane | None:
    """A generator's plane: through one seed's noise (a point it was trained on), along two of its dimensions or two
    random orthonormal directions, each one standard deviation of the noise N(0, I) long."""
    kind = st.radio("Plane", NOISE_PLANES, key=linked(ui.model_key(model, "plane"), "plane", NOISE_PLANES[0]),
                    help="Random directions mix every dimension; in 100-D a single dimension moves the digit less.")
    through = int(st.number_input("Through the noise of seed", 0, ui.MAX_SEED,
                                  key=linked(ui.model_key(model, "plane_seed"), "through", 0),
                                  help="The plane passes through this seed's noise z: the grid's centre is the "
                                       "digit the GAN draws from it, and the other dimensions keep its values."))
    center = model.sample_latents(1, seed=through)[0]
    if kind == NOISE_PLANES[1]:
        seed = int(st.number_input("Directions from seed", 0, ui.MAX_SEED,
                                   key=linked(ui.model_key(model, "directions"), "directions", 0),
                                   help="Two random directions at right angles to each other, drawn from this seed."))
        axes = np.linalg.qr(np.random.default_rng(seed).standard_normal((model.latent_dim, 2)))[0].T
        return Plane(center, axes.astype(np.float32), ("direction 1", "direction 2"), np.zeros(2), "random")
    dims = list(range(model.latent_dim))
    i = st.selectbox("Horizontal axis", dims, key=linked(ui.model_key(model, "dim_x"), "x", 0),
                     format_func=ui.latent_name)
    j = st.selectbox("Vertical axis", dims, key=linked(ui.model_key(model, "dim_y"), "y", 1),
                     format_func=ui.latent_name)
    if i == j:
        st.warning("Pick two different dimensions.")
        return None
    axes = np.zeros((2, model.latent_dim), np.float32)
    axes[0, i] = axes[1, j] = 1.0
    return Plane(center, axes, (ui.latent_name(i), ui.latent_name(j)), center[[i, j]], f"z{i}z{j}")


def choose_plane(model, means: np.ndarray | None) -> Plane | None:
    """Widgets that pick the plane to sweep (none for a 2-D latent); None when the choice is not a plane. `means`
    is None for a model without an encoder (a GAN): then the plane is one through its noise."""
    if means is None:
        return noise_plane(model)
    if model.latent_dim == 2:
        return coordinate_plane(means, 0, 1)
    if st.radio("Plane", PLANES, key=linked(ui.model_key(model, "plane"), "plane", PLANES[0])) == PLANES[1]:
        center, axes, explained = principal_plane(means, faces.ident(model))
        titles = tuple(f"PC {k + 1}: {explained[k]:.0%} of the variance" for k in range(2))
        return Plane(center, axes, titles, np.zeros(2), "pc")
    spread = means.std(0)
    widest = [int(k) for k in np.argsort(-spread)[:2]]  # dimensions the encoder ignores have a tiny spread
    dims = list(range(model.latent_dim))
    spec = {"format_func": lambda k: f"{ui.latent_name(k)}  (spread {spread[k]:.2f})",
            "help": "Spread is the standard deviation of the held-out codes; a dimension near 0 is unused."}
    i = st.selectbox("Horizontal axis", dims, key=linked(ui.model_key(model, "dim_x"), "x", widest[0]), **spec)
    j = st.selectbox("Vertical axis", dims, key=linked(ui.model_key(model, "dim_y"), "y", widest[1]), **spec)
    if i == j:
        st.warning("Pick two different dimensions.")
        return None
    return coordinate_plane(means, i, j)


def label_control(model) -> int | None:
    """A conditional model decodes every cell as one chosen digit, so the grid shows style alone; None otherwise."""
    if not model.conditional:
        return None
    return st.selectbox("Decode as digit", range(model.num_classes), key=linked(ui.model_key(model, "digit"), "digit", 0),
                        format_func=lambda c: ui.class_name(model, c),
                        help="This model is told the label; its latent code holds only style (slant, width, stroke).")


def sweep_controls(model, means: np.ndarray | None, plane: Plane) -> dict:
    """Keyword arguments of core.latent.sweep_values: linear steps over a range, or Gaussian quantiles."""
    mode = st.radio("Steps", SWEEPS, key=linked("sweep", "steps", SWEEPS[0]),
                    help="Gaussian quantiles give each cell equal probability under a Gaussian fitted to the codes "
                         "(a GAN's noise itself), so steps are dense near the centre and wide in the tails (as in "
                         "Kingma & Welling's figures).")
    if mode == SWEEPS[0]:
        if means is None:
            default = NOISE_EXTENT
            why = (f"Opens at ±{default:g}: along any direction, 99.7% of the noise the generator was trained on "
                   "lies within 3 standard deviations.")
        else:
            default = measured_extent(means, plane, faces.ident(model), plane.name)
            why = (f"Opens at ±{default:g}: the widest 15 × 15 grid on this plane with 80% of its points beside a "
                   "held-out code. Beyond it the decoder draws regions no digit was encoded to.")
        extent = st.slider("Range (± standard deviations)", *EXTENT[:2], step=EXTENT[2],
                           key=linked(ui.model_key(model, f"extent_{plane.name}"), "range", default), help=why)
        return {"mode": "linear", "extent": extent}
    mass = st.slider("Probability covered (%)", *MASS, key=linked("mass", "mass", 90),
                     help="The central share of the Gaussian that the grid spans along each axis.")
    return {"mode": "quantile", "tail": (1 - mass / 100) / 2}


def grid_values(model, plane: Plane, label: int | None, sweep: dict, n: int) -> dict:
    """The grid's settings as URL parameters: the plane (its axes or seeds), the steps and their range, the size."""
    state = st.session_state
    values = {"digit": None if label is None else str(label), "n": str(n), "steps": sweep["mode"]}
    if sweep["mode"] == "linear":
        values["range"] = f"{sweep['extent']:g}"
    else:
        values["mass"] = str(state["mass"])
    if plane.name == "random":
        values.update(plane="random", through=str(state[ui.model_key(model, "plane_seed")]),
                      directions=str(state[ui.model_key(model, "directions")]))
    elif plane.name == "pc":
        values["plane"] = "pc"
    elif not (model.latent_dim == 2 and model.has_encoder):  # a 2-D latent is its own plane: nothing to name
        values.update(plane="dims", x=str(state[ui.model_key(model, "dim_x")]),
                      y=str(state[ui.model_key(model, "dim_y")]))
        if not model.has_encoder:
            values["through"] = str(state[ui.model_key(model, "plane_seed")])
    return values


def axes_caption(steps: np.ndarray, plane: Plane, sweep: dict) -> str:
    """Which latent coordinates the columns and rows run through, end to end."""
    scale = np.linalg.norm(plane.axes, axis=1)
    x = plane.origins[0] + steps[[0, -1]] * scale[0]
    y = plane.origins[1] + steps[[-1, 0]] * scale[1]  # row 0 is the top: largest y
    spacing = "even steps" if sweep["mode"] == "linear" else "Gaussian-quantile steps (closer near the centre)"
    return (f"Left to right: **{plane.titles[0]}** from {x[0]:+.2f} to {x[1]:+.2f}. Top to bottom: "
            f"**{plane.titles[1]}** from {y[0]:+.2f} to {y[1]:+.2f}. In {len(steps)} {spacing}.")


@st.fragment
def decoded_grid(model, means: np.ndarray | None) -> None:
    """Controls and the grid they drive; a control change reruns only this function."""
    controls, picture = ui.beside(GRID_PIXELS)
    with controls:
        label = label_control(model)
        plane = choose_plane(model, means)
        if plane is None:
            return
        sweep = sweep_controls(model, means, plane)
        n = st.slider("Grid size (n × n)", *SIZES, key=linked("grid_size", "n", 15))
    keep_grid_in_url(grid_values(model, plane, label, sweep, n))
    steps = sweep_values(n, **sweep)
    digits = model.decode(plane_points(plane.center, plane.axes[0], plane.axes[1], steps, steps), label)
    mosaic = to_uint8(tile(digits, n, n))
    with picture:
        # A plain image, not a chart: Streamlit rebuilds a changed chart from scratch, which costs the
        # browser twice the time of swapping a picture on every slider step.
        pictures.show_mosaic(mosaic, GRID_PIXELS)
        st.caption(axes_caption(steps, plane, sweep))


def heldout_strip(model, codes: dict) -> None:
    """One held-out digit of each class above its reconstruction, to judge how much the latent keeps."""
    st.subheader(f"Held-out {'digits' if ui.of_digits(model) else 'pictures'} and their reconstructions", anchor=False)
    labels = codes["labels"]
    picked = stratified_indices(labels, model.num_classes)
    picked = picked[np.argsort(labels[picked], kind="stable")]
    captions = [ui.class_name(model, int(c)) for c in labels[picked]]
    reconstructions = ui.decode_heldout(model, codes, picked)
    originals, missing_originals = ui.heldout_originals(model)
    if originals is None:
        st.info(missing_originals)
        st.caption("Reconstructions decoded from the "
                   + ("shipped" if ui.of_digits(model) else "measured") + " latent means (the model's latents.npz):")
    else:
        st.caption("Originals:")
        pictures.show_digits(originals[picked], captions, one_row=True)
        st.caption("Reconstructions, decoded from their latent means:")
    pictures.show_digits(reconstructions, captions, one_row=True)
