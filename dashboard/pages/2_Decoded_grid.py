"""Decoded grid: decode evenly spaced points on a plane through latent space and watch the digits morph.

A 2-D latent is its own plane. For more dimensions pick two latent dimensions
or two principal components; the other dimensions stay at the mean of the
held-out codes. A GAN has no held-out codes: its plane runs through one seed's
noise, along two of its dimensions or two random directions, in standard
deviations of the noise. The face VAE's plane runs through the mean of its
training codes along their principal axes (dashboard/face_views.py). The grid
lives in a fragment, so moving its controls reruns only the grid, not the page.
A 2-D model also has a live view: the digit under the pointer at display rate (dashboard/pointer.py).
"""
import numpy as np
import streamlit as st

import face_views
import pointer
import links
import pictures
import ui
from pointer import Plane
from core.images import tile, to_uint8
from core.latent import plane_points, principal_axes, stratified_indices, sweep_values

PLANES = ("Two latent dimensions", "Two principal components")
NOISE_PLANES = ("Two latent dimensions", "Two random directions")  # a generator's: no codes to take components of
NOISE_EXTENT = 3.0  # along any direction, 99.7% of a generator's noise N(0, I) lies within 3 standard deviations
SWEEPS = ("Linear steps", "Gaussian quantiles")
GRID_PIXELS = 520  # the grid's width on screen, whatever its size: beside the controls at 1280 px, below them at 800
VIEWS = {"grid": "Grid", "live": "Live under the pointer"}  # ?view=live: a 2-D model's live plane (dashboard/pointer.py)
GRID = "grid"
VIEW_PARAM, VIEW_KEY, VIEW_ECHO = "view", "grid_view", "grid_view_url"
GRID_ECHO = links.ECHO["grid"]
LIVE_KEY = "grid_live"
LINKED_KEY = "grid_linked"  # a link's grid settings, waiting for the widgets they belong to (keys depend on the plane)
# ?plane= names: a plane of two latent dimensions, two principal components, two random directions.
PLANE_NAMES = {"dims": "Two latent dimensions", "pc": "Two principal components", "random": "Two random directions"}
STEP_NAMES = {"linear": SWEEPS[0], "quantile": SWEEPS[1]}
EXTENT, MASS, SIZES = (0.5, 5.0, 0.25), (50, 99), (2, 30)
GRID_PARAMS = ("digit", "plane", "x", "y", "through", "directions", "steps", "range", "mass", "n")


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
def principal_plane(_means: np.ndarray, model_id: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
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
        return pointer.coordinate_plane(means, 0, 1)
    if st.radio("Plane", PLANES, key=linked(ui.model_key(model, "plane"), "plane", PLANES[0])) == PLANES[1]:
        center, axes, explained = principal_plane(means, model.id)
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
    return pointer.coordinate_plane(means, i, j)


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
            default = pointer.measured_extent(means, plane, model.id, plane.name)
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
    st.subheader("Held-out digits and their reconstructions", anchor=False)
    labels = codes["labels"]
    picked = stratified_indices(labels, model.num_classes)
    picked = picked[np.argsort(labels[picked], kind="stable")]
    captions = [ui.class_name(model, int(c)) for c in labels[picked]]
    reconstructions = ui.decode_heldout(model, codes, picked)
    originals, missing_originals = ui.heldout_originals(model)
    if originals is None:
        st.info(missing_originals)
        st.caption("Reconstructions decoded from the shipped latent means:")
    else:
        st.caption("Originals:")
        pictures.show_digits(originals[picked], captions, one_row=True)
        st.caption("Reconstructions, decoded from their latent means:")
    pictures.show_digits(reconstructions, captions, one_row=True)


def choose_view(model) -> str:
    """The grid, or (a 2-D model's latent) the live plane; ?view= in the URL names it. A link's view that this model
    cannot show is ignored, with a notice; the live view's kept point leaves the URL with it."""
    shown = list(VIEWS) if pointer.serves(model) else [GRID]
    requested = st.query_params.get(VIEW_PARAM)
    if requested is not None and requested != st.session_state.get(VIEW_ECHO):  # a link, not our own echo
        if requested in shown:
            st.session_state[VIEW_KEY] = requested
        else:
            why = (f"one of {', '.join(VIEWS)}" if requested not in VIEWS
                   else f"{model.card.get('title', model.id)} has no live plane: it needs a 2-D latent")
            point = st.query_params.get(pointer.POINT_PARAM)
            st.warning(f"The link's view was ignored and the grid shown: `{VIEW_PARAM}={requested[:40]}` ({why})"
                       + (f"; its kept point `{pointer.POINT_PARAM}={point[:40]}` goes with it." if point else "."))
    if st.session_state.get(VIEW_KEY) not in shown:
        st.session_state[VIEW_KEY] = GRID
    if len(shown) > 1:
        st.radio("View", shown, key=VIEW_KEY, horizontal=True, format_func=VIEWS.get,
                 help="Live: the digit under the pointer, decoded as fast as the pointer moves, from a 96 × 96 "
                      "atlas of this plane decoded once.")
    view = st.session_state[VIEW_KEY]
    if view == GRID:
        st.query_params.pop(VIEW_PARAM, None)
        pointer.forget_url_point(LIVE_KEY)
    else:
        st.query_params[VIEW_PARAM] = view
        keep_grid_in_url({})  # the live view has no grid settings
    st.session_state[VIEW_ECHO] = view if view != GRID else None
    return view


def unused_link_settings(model, point: str | None, view_asked: str | None, view: str) -> list[str]:
    """What a link asks that this page cannot use: a parameter of another page or a grid setting out of range (the
    others wait in LINKED_KEY for their widgets), or the live view's kept `point` (as the link had it) in the grid
    view, unless it is this session's own echo, left by the live view, or the link asked for a view the page did
    not show (`view_asked`), whose notice names the point already."""
    pending = st.session_state[LINKED_KEY] = {}

    def apply(name: str, value: str) -> None:
        if name in (VIEW_PARAM, pointer.POINT_PARAM):  # choose_view's and the live plane's
            return
        if name not in GRID_PARAMS or face_views.is_face_model(model):  # the face grid keeps its settings in view
            raise ValueError("not a setting of this page")
        pending[name] = grid_setting(model, name, value)
    ignored = links.read(GRID_ECHO, apply)
    if (view == GRID and point is not None and not links.stale(f"{LIVE_KEY}_url", pointer.POINT_PARAM, point)
            and view_asked in (None, view)):
        ignored.append(f"`{pointer.POINT_PARAM}={point[:40]}` (a kept point belongs to the live view: add "
                       f"`{VIEW_PARAM}=live`)")
    return ignored


ui.setup_page("Decoded grid")
st.title("Decoded grid", anchor=False)  # before the picker, whose notices go under it
model = ui.pick_model("grid")
# As the link had them: the grid view takes the point out of the URL.
notice = st.empty()
linked_point, linked_view = st.query_params.get(pointer.POINT_PARAM), st.query_params.get(VIEW_PARAM)
view = choose_view(model)
links.notice(notice, unused_link_settings(model, linked_point, linked_view, view))
if face_views.is_face_model(model):
    face_views.decoded_grid(model)
elif model.has_encoder:
    codes = ui.heldout_codes(model)
    if view != GRID:
        st.caption("The digit under the pointer is the decoder's picture of that point of the latent plane, drawn "
                   "in the browser as fast as the pointer moves.")
        pointer.live_plane(model, key=LIVE_KEY)
    else:
        st.caption("Every cell is the decoder's picture of one point on a plane through latent space. Steps are "
                   "measured in standard deviations of the held-out codes; under the grid, the latent coordinates it "
                   "spans.")
        decoded_grid(model, codes["means"])
    heldout_strip(model, codes)
else:
    st.caption("Every cell is the generator's picture of one point on a plane through its noise space. Steps are "
               "measured in standard deviations of the noise N(0, I) it draws from; under the grid, the coordinates "
               "it spans.")
    decoded_grid(model, None)
    st.caption(f"No held-out digits and reconstructions here: {model.card.get('title', model.id)} is a generator "
               "with no encoder, so nothing maps a digit back to a point it could redraw.")
