"""What every Latent Lab page shares: page set-up, the model picker, cached loaders, digit input and rendering.

Importing this module imports neither TensorFlow nor Altair, so the Home page
appears at once. The first page that needs a model pays for TensorFlow, once per
server process: `st.cache_resource` keeps each loaded model and shares it with
every session.
"""
from __future__ import annotations

import base64
import gc
import html
import io
import os
import re
import sys
from pathlib import Path
from typing import NamedTuple

import numpy as np
import streamlit as st
from PIL import Image

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TensorFlow's start-up notes out of the server log

# `streamlit run dashboard/Home.py` puts dashboard/ on sys.path, not the repo root that holds `core`.
REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import core  # noqa: E402  (needs the path fix above)
from core import registry  # noqa: E402
from core.data import ENV_VAR, CorruptDataFile, DatasetNotFound, load_dataset  # noqa: E402
from core.images import to_uint8  # noqa: E402
from core.recipes import GAN_FAMILIES, RECIPES  # noqa: E402
from streamlit.runtime.scriptrunner import script_runner as _script_runner  # noqa: E402

# After every script run Streamlit 1.67 calls keras.backend.clear_session() once Keras is imported: a full
# garbage collection under the GIL and TensorFlow's kernel cache dropped, in every session (a warm decode
# then takes 3.7x longer). Models here are loaded once and shared through st.cache_resource: there is no
# per-run Keras state to clear. A private hook, so streamlit stays pinned in requirements.txt.
_script_runner._clean_problem_modules = lambda: None

APP_NAME = "Latent Lab"
FAVICON = "🧪"  # an emoji is drawn by the browser; a ":material/…:" favicon is fetched from fonts.gstatic.com
MAX_SEED = 2 ** 32 - 1  # every seed box takes any seed NumPy's generators take, up to this
MODEL_PARAM = "model"  # ?model=<id> in the URL names the model a page opens with
PICKER_KEY = "model_picker"  # the sidebar's selectbox
CHOSEN_KEY = "chosen_model"  # the model the user chose last, on any page (session state)
URL_KEY = "model_in_url"     # the model this session last wrote into ?model=: tells a new link from our own echo
PAGE_KEY, ARRIVED_KEY = "page_shown", "page_arrived"  # the page that ran last; whether this run arrived on it
WRITTEN_KEPT = 64  # values of a URL parameter remembered as the session's own (stale_echo)


# A constant script of the app's own (no text from a user, a card or a URL): folds the sidebar in a narrow window.
NARROW_SIDEBAR = (Path(__file__).with_name("narrow_sidebar.js")).read_text()


class Page(NamedTuple):
    path: str
    label: str
    icon: str
    showcase: str                   # the model the page opens on: the one that shows its idea best
    conditional_only: bool = False  # the page needs a model that is told the label
    datasets: tuple = ("mnist",)    # the data sets whose models the page can show
    needs: str = ""                 # what a model needs to be shown here, for a page that cannot show every model
    encoder: bool = True            # the page needs a model with an encoder (codes of held-out digits): no GAN
    families: tuple = ()            # when given, only models of these families (the GANs' own page)


PAGES = {
    # The guided tour picks its own models, step by step: no model card links to it (datasets=()).
    "tour": Page("pages/0_Tour.py", "Tour", ":material/tour:", "mnist-ae-2d", datasets=()),
    # Digit models with an encoder, and the face VAE (generated faces on its principal axes: dashboard/face_views.py).
    "scatter": Page("pages/1_Latent_scatter.py", "Latent scatter", ":material/scatter_plot:", "mnist-vae-2d",
                    datasets=("mnist", "celeba"),
                    needs="a model with an encoder, which places each digit or face at a point (a GAN has none)"),
    # Every digit model: a plane through a GAN's latent space decodes as well as a VAE's; and the face VAE.
    "grid": Page("pages/2_Decoded_grid.py", "Decoded grid", ":material/grid_on:", "mnist-vae-2d", encoder=False,
                 datasets=("mnist", "celeba")),
    "label": Page("pages/3_Digits_by_label.py", "Digits by label", ":material/format_list_numbered:", "mnist-cvae",
                  conditional_only=True, needs="a model that is told the label and has an encoder"),
    # The 16-D VAE walks from an average 6 to an average 8 most cleanly: the judge reads only 6s then only 8s
    # along it, every step plausible (both 2-D models pass through a 5 or a 2 and 3; the conditional one is
    # told the label, which makes the walk a label blend).
    "arithmetic": Page("pages/4_Latent_arithmetic.py", "Latent arithmetic", ":material/calculate:", "mnist-vae-16d",
                       needs="a model with an encoder, whose codes of real digits the sums start from"),
    "faces": Page("pages/5_Face_editing.py", "Face editing", ":material/face:", "celeba-vae", datasets=("celeba",),
                  needs="a face model shipped with attribute vectors"),
    # Opens on the DCGAN, issue 17's showcase: convolutional, and trained with the remedies the vanilla GAN lacks.
    "gans": Page("pages/6_GAN_samples.py", "GAN samples", ":material/auto_awesome:", "mnist-dcgan", encoder=False,
                 families=GAN_FAMILIES, needs="a GAN (a generator trained against a discriminator)"),
}
# The "tab10" palette: ten classes told apart at a glance, dark enough to read as digit ink on white.
CLASS_COLORS = ["#1F77B4", "#FF7F0E", "#2CA02C", "#D62728", "#9467BD",
                "#8C564B", "#E377C2", "#7F7F7F", "#BCBD22", "#17BECF"]


def setup_page(title: str) -> None:
    """Wide layout (figures need the room) and a browser tab that names the page; notes whether this run arrived on
    the page (a link, the sidebar) or reruns it (a control moved), for stale_echo."""
    st.set_page_config(page_title=f"{title} · {APP_NAME}", page_icon=FAVICON, layout="wide")
    st.sidebar.html(NARROW_SIDEBAR, unsafe_allow_javascript=True)
    st.session_state[ARRIVED_KEY] = st.session_state.get(PAGE_KEY) != title
    st.session_state[PAGE_KEY] = title


def stale_echo(echo_key: str, name: str, value: str) -> bool:
    """Whether a URL parameter is this session's own earlier echo rather than a link. A rerun request carries the
    browser's URL as it was when the control moved: with fast moves, one the page has since rewritten, so a value
    the page wrote some runs ago comes back and must not be taken for a link (it set a slider back, dropping the
    key presses after it). Only on a rerun of the same page: a page arrived at by a link takes the link whole."""
    written = st.session_state.setdefault(f"{echo_key}_written", {}).get(name, ())
    return not st.session_state.get(ARRIVED_KEY, True) and value in written


def remember_echo(echo_key: str, name: str, value: str) -> None:
    """Note a value this page wrote into the URL (the last WRITTEN_KEPT of each parameter), for stale_echo."""
    written = st.session_state.setdefault(f"{echo_key}_written", {}).setdefault(name, [])
    if value not in written:
        written.append(value)
        del written[:-WRITTEN_KEPT]


def page_link(page: str, model_id: str | None = None) -> None:
    """Link to one of PAGES; with a model id the target page opens on that model."""
    path, label, icon = PAGES[page][:3]
    st.page_link(path, label=label, icon=icon, query_params={MODEL_PARAM: model_id} if model_id else None)


def serves(page: Page, card: dict) -> bool:
    """Whether a page can show this model: its data set's kind, the label for a conditional_only page, an encoder
    for a page that needs one (a card that lists its files without one is a generator alone), its family."""
    files = card.get("files")
    recipe = RECIPES.get(card.get("id"))  # a damaged card's family: its recipe's, so its page can show the error
    family = card.get("family") or (recipe.family if recipe else None)
    return (card.get("dataset", {}).get("name", "mnist") in page.datasets
            and bool(card.get("conditional") or not page.conditional_only)
            and (not page.encoder or files is None or bool(files.get("encoder")))
            and (not page.families or family in page.families))


def pages_for(card: dict) -> list[str]:
    """The PAGES that can show this model."""
    return [key for key, page in PAGES.items() if serves(page, card)]


# ---------------------------------------------------------------- models

def shipped_cards(kind: str = "generative") -> list[dict]:
    """Cards of the models of one kind in pretrained/, smallest latent first (JSON only: cheap on every run).

    A damaged manifest becomes an error message rather than a traceback; an empty list means none are built.
    """
    try:
        return sorted(core.list_models(kind), key=lambda card: card.get("latent_dim") or 0)  # simplest first
    except registry.PretrainedError as e:
        st.error(f"The list of pretrained models cannot be read: {e}")
        st.stop()


def no_models_message(page: Page | None = None) -> str:
    what = f" for this page ({page.needs})" if page and page.needs else ""
    example = page.showcase if page else "mnist-vae-2d"
    return (f"No pretrained models{what} were found in `{registry.pretrained_root()}`. "
            f"Build one with `{registry.rebuild_command(example)}` (see the README).")


@st.cache_resource(show_spinner="Loading the model's weights (once per server)…", max_entries=8)
def _load_model(model_id: str, pretrained_root: str):
    """One LatentModel per (model, folder) for the whole server process; the folder keys tests' temporary copies.

    TensorFlow leaves some 400,000 long-lived Python objects behind; freezing them keeps the garbage
    collector's full passes (tens to hundreds of milliseconds each) out of interactive reruns.
    """
    model = core.load_model(model_id)
    gc.freeze()
    return model


def load_model(model_id: str):
    """The cached LatentModel, or a clear error (with the command that rebuilds it) and the page stops."""
    model, error = try_load_model(model_id)
    if error:
        st.error(f"**{model_id}** cannot be loaded. {error}")
        st.stop()
    return model


def try_load_model(model_id: str):
    """(the cached LatentModel, None), or (None, why not): for a view of several models, where one that cannot
    load leaves its message in its place rather than stopping the page."""
    try:
        return _load_model(model_id, str(registry.pretrained_root())), None
    except registry.PretrainedError as e:
        return None, str(e)


@st.cache_resource(show_spinner="Loading the judge classifier (once per server)…", max_entries=2)
def _load_judge(pretrained_root: str):
    judge = core.load_judge()
    gc.freeze()  # as for models: keep TensorFlow's objects out of the collector's passes
    return judge


def load_judge():
    """The cached judge classifier that reads digits, or a clear error and the page stops."""
    try:
        return _load_judge(str(registry.pretrained_root()))
    except registry.PretrainedError as e:
        st.error(f"The judge classifier cannot be loaded, and this page needs it to read digits. {e}")
        st.stop()


@st.cache_resource(show_spinner="Loading the face judge (once per server)…", max_entries=2)
def _load_face_judge(judge_id: str, pretrained_root: str):
    from core.models.face_judge import load_face_judge as load  # TensorFlow: only for pages that read faces
    judge = load(judge_id)
    gc.freeze()  # as for models
    return judge


def warm_judges(face_judge_id: str) -> None:
    """Load the digit and face judges into the cache without a word: one that cannot load is its pages' to explain."""
    root = str(registry.pretrained_root())
    for load, args in ((_load_judge, (root,)), (_load_face_judge, (face_judge_id, root))):
        try:
            load(*args)
        except (registry.PretrainedError, KeyError):
            pass


def load_face_judge(judge_id: str):
    """The cached face judge that reads CelebA's 40 attributes, or None after a clear error: unlike the digit
    judge, a page can still draw and edit faces without it, so it goes on and leaves the readings out."""
    try:
        return _load_face_judge(judge_id, str(registry.pretrained_root()))
    except registry.PretrainedError as e:
        why = str(e)
    except KeyError as e:  # a card without the classifier's file name
        why = f"Its card names no {e} file; rebuild it with `{registry.rebuild_command(judge_id)}`."
    st.error(f"The face judge **{judge_id}** cannot be loaded, so its readings of the faces are not shown. {why}")
    return None


def pick_model(page: str):
    """The sidebar's model choice for one of PAGES, mirrored in ?model= so a copied URL reopens it; returns the model.

    The user's choice (the sidebar, a Home card link, a shared URL) is kept for the session and
    followed by every page that can show it. A page that cannot (Digits by label needs a model told
    the label) shows its own showcase model and says so, and the choice returns on the other pages.
    Before any choice, each page opens on its showcase. An unknown ?model= falls back with a warning.
    """
    spec = PAGES[page]
    shipped = shipped_cards()
    cards = {card["id"]: card for card in shipped if serves(spec, card)}
    if not cards:
        st.info(no_models_message(spec))
        st.stop()
    requested = st.query_params.get(MODEL_PARAM)
    if (requested is not None and requested != st.session_state.get(URL_KEY)  # a link or an edited URL, not our echo
            and not stale_echo(URL_KEY, MODEL_PARAM, requested)):
        if requested in cards:
            st.session_state[CHOSEN_KEY] = requested
        else:
            known = any(card["id"] == requested for card in shipped)
            st.warning(("The link names no model (`model=` is empty)" if not requested.strip()
                        else f"`{requested}` cannot be shown here: this page needs {spec.needs}" if known
                        else f"There is no model called `{requested}` that this page can show")
                       + f"; it shows one of the shipped models: {', '.join(cards)}.")
    chosen = st.session_state.get(CHOSEN_KEY)
    model_id = chosen if chosen in cards else spec.showcase if spec.showcase in cards else next(iter(cards))
    st.session_state[PICKER_KEY] = model_id
    st.sidebar.selectbox("Model", list(cards), key=PICKER_KEY, on_change=_remember_choice,
                         format_func=lambda i: cards[i].get("title", i))
    _show_in_url(model_id)
    if chosen is not None and chosen != model_id:
        others = {card["id"]: card.get("title", card["id"]) for card in shipped}
        st.info(f"This page needs {spec.needs}, so it shows **{cards[model_id].get('title')}**. "
                f"Your choice, **{others.get(chosen, chosen)}**, returns on the other pages.")
    card = cards[model_id]
    if "error" in card:
        st.error(card["error"])
        st.stop()
    st.sidebar.caption(card.get("summary", ""))
    return load_model(model_id)


def _remember_choice() -> None:
    """The sidebar changed: that model is the user's choice from now on, and the URL names it before the rerun."""
    st.session_state[CHOSEN_KEY] = st.session_state[PICKER_KEY]
    _show_in_url(st.session_state[PICKER_KEY])


def _show_in_url(model_id: str) -> None:
    st.query_params[MODEL_PARAM] = model_id
    st.session_state[URL_KEY] = model_id
    remember_echo(URL_KEY, MODEL_PARAM, model_id)


def read_link(echo_key: str, apply) -> list[str]:
    """URL parameters new to a page (a link or an edited URL, not its own echo in session_state[echo_key]), each
    given to apply(name, value); those it refuses with a ValueError, with why, for the page's single notice."""
    echo = st.session_state.get(echo_key, {})
    for name, value in echo.items():  # what the page wrote by the end of its last run
        if value is not None:
            remember_echo(echo_key, name, value)
    ignored = []
    for name, value in st.query_params.to_dict().items():
        if name == MODEL_PARAM or echo.get(name) == value or stale_echo(echo_key, name, value):
            continue
        try:
            apply(name, value)
        except ValueError as why:
            ignored.append(f"`{name}={value[:40]}` ({why})")
    return ignored


def link_notice(place, ignored: list[str]) -> None:
    """The page's single notice of what read_link refused, in `place`: an st.empty() made near the top before the
    sections ran, so the notice is seen first whichever section refused a setting."""
    if ignored:
        place.warning("Some settings in the link were ignored and their defaults used instead: " + "; ".join(ignored)
                      + ".")


def whole_number(value: str, low: int, high: int) -> int:
    """A URL parameter as a whole number from low to high, or a ValueError that says so (read_link shows it).
    ASCII digits only, at most ten (any seed up to MAX_SEED): no sign, no spaces, no long string for int() to
    parse."""
    if not re.fullmatch(r"[0-9]{1,10}", value) or not low <= int(value) <= high:
        raise ValueError(f"a whole number from {low} to {high}")
    return int(value)


def snapped(value: str, low: float, high: float, step: float) -> float:
    """A URL parameter as a number from low to high, rounded to the slider's step it will set, or a ValueError."""
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"a number from {low:g} to {high:g}") from None
    if not low <= number <= high:  # also refuses nan
        raise ValueError(f"a number from {low:g} to {high:g}")
    return round(round(number / step) * step, 2)


def remembered(key: str, default):
    """A widget's key, with its default put in session state first: a link may have set the value there already,
    and a widget given a default as well as a state value warns."""
    st.session_state.setdefault(key, default)
    return key


def model_key(model, name: str) -> str:
    """A widget key that belongs to one model, for widgets whose options or meaning depend on the model
    (latent dimensions, spreads, held-out digits): switching models never carries one model's choice to another."""
    return f"{name}_{model.id}"


def heldout_codes(model) -> dict:
    """latents.npz of a loaded model: means (N, d), labels (N,), and for d > 2 the pca / tsne projections."""
    if model.heldout is None:
        st.error(f"**{model.id}** ships no held-out latent codes; write them with "
                 f"`python -m core.evaluate {model.id}`.")
        st.stop()
    return model.heldout


def decode_heldout(model, codes: dict, indices) -> np.ndarray:
    """Decode held-out latent means; a conditional model is also told each digit's label (its code holds only style)."""
    labels = codes["labels"][indices] if model.conditional else None
    return model.decode(codes["means"][indices], labels)


# ---------------------------------------------------------------- held-out originals

@st.cache_resource(show_spinner="Reading the held-out digits…", max_entries=4)
def _heldout_split(dataset: str, data_folder: str | None) -> tuple[np.ndarray, np.ndarray]:
    """The data set's held-out split, read once per server; keyed by $LATENT_LAB_DATA so changing it takes effect."""
    return load_dataset(dataset, download=False)[1]


def how_to_provide(dataset: str) -> str:
    return (f"Point `{ENV_VAR}` at a folder holding `{dataset}/` and restart: "
            f"`{ENV_VAR}=/path/to/data streamlit run dashboard/Home.py`.")


def heldout_originals(model) -> tuple[np.ndarray | None, str | None]:
    """Held-out images in latents.npz order, or (None, why) when they are not available locally.

    A local copy counts only if its labels match the shipped codes, so a different split
    (e.g. the full MNIST test set in ~/.keras) never puts the wrong digit beside a point.
    """
    dataset = model.card["dataset"]["name"]
    try:
        images, labels = _heldout_split(dataset, os.environ.get(ENV_VAR))
    except DatasetNotFound:
        return None, f"Originals need the {dataset} data set, which is not on this machine. " + how_to_provide(dataset)
    except CorruptDataFile as e:
        return None, f"The local {dataset} files cannot be read ({e})."
    shipped = model.heldout["labels"]
    if len(labels) != len(shipped) or not np.array_equal(labels, shipped):
        return None, (f"The local {dataset} copy holds a different held-out split ({len(labels):,} digits) from the "
                      f"one this model was evaluated on ({len(shipped):,}), so originals are not shown. "
                      f"{how_to_provide(dataset)}")
    return images, None


# ---------------------------------------------------------------- the user's own digit

UPLOAD, DRAW = "Upload a picture", "Draw it"
CANVAS_SIDE = 280   # 10 canvas pixels to each pixel of a 28 x 28 digit
CANVAS_STROKE = 22  # about MNIST's pen: 2 to 3 pixels wide once the digit is scaled to its 20-pixel box


def user_digit(key: str) -> np.ndarray | None:
    """A digit the user uploads or draws, as a (28, 28) uint8 MNIST-style digit; None until there is one.

    The one upload/draw widget of the app: both routes go through core.data.uploads, and anything
    it refuses (not a picture, damaged, too big, blank) is shown as its message, never a traceback.
    """
    how = st.segmented_control("Your digit", [UPLOAD, DRAW], default=UPLOAD, required=True, key=f"{key}_how",
                               persist_state="session")
    if how == UPLOAD:
        kept = f"{key}_upload"  # (name, bytes) of the last upload: it stays while the uploader is hidden
        st.file_uploader("A picture of one digit", key=f"{key}_file", on_change=_keep_upload, args=(key,),
                         help="A photo or scan of one handwritten digit, or a screenshot: PNG, JPEG, GIF, "
                              "BMP, WebP or TIFF, up to 5 MB. Dark ink on light paper or the other way round.")
        if kept not in st.session_state:
            return None
        name, data = st.session_state[kept]
        if st.session_state.get(f"{key}_file") is None:  # the uploader was hidden and came back empty
            with st.container(horizontal=True, vertical_alignment="center"):
                st.caption(f"Using `{name.replace('`', chr(39))}`, uploaded earlier.")  # the name as text
                st.button("Remove it", key=f"{key}_remove", on_click=st.session_state.pop, args=(kept, None))
        return digit_from_upload(data)
    # Imported here: the canvas registers its front end on import, which needs a running app.
    from streamlit_drawable_canvas import st_canvas
    st.caption("Draw one digit with the mouse or a finger; it is read when you lift the pen. "
               "Hover over the canvas to undo or clear.")  # also the room the canvas's hover toolbar opens into
    drawing = st_canvas(stroke_width=CANVAS_STROKE, stroke_color="#000000", background_color="",
                        width=CANVAS_SIDE, height=CANVAS_SIDE, return_image_data=True, key=f"{key}_canvas")
    if not (drawing.json_data or {}).get("objects") or drawing.image_data is None:
        return None
    return digit_from_canvas(drawing.image_data)


def _keep_upload(key: str) -> None:
    """The user added or removed a file: keep it (or forget it) beyond the uploader's own life on the page."""
    file = st.session_state.get(f"{key}_file")
    if file is None:
        st.session_state.pop(f"{key}_upload", None)
    else:
        st.session_state[f"{key}_upload"] = (file.name, file.getvalue())


def digit_from_upload(data: bytes) -> np.ndarray | None:
    """Uploaded bytes -> (28, 28) uint8 digit, or None after showing why the file cannot be one."""
    from core.data.uploads import UploadError  # with scipy: too slow to import for pages that take no uploads
    try:
        return _normalised_upload(data)
    except UploadError as e:
        st.error(str(e))
        return None


@st.cache_data(show_spinner=False, max_entries=16)
def _normalised_upload(data: bytes) -> np.ndarray:
    """Cached, because a large photo takes a while to decode and the page reruns on every control change."""
    from core.data.uploads import normalise_upload
    return normalise_upload(data)


def digit_from_canvas(rgba: np.ndarray) -> np.ndarray | None:
    """A canvas's RGBA pixels -> (28, 28) uint8 digit, or None after showing why (e.g. only faint specks)."""
    from core.data.uploads import UploadError, normalise_canvas
    try:
        return normalise_canvas(rgba)
    except UploadError as e:
        st.error(str(e))
        return None


# ---------------------------------------------------------------- layout

CONTROLS_WIDTH = 240  # a column of controls: labels and values read whole at every window size


def beside(shown_width: int | str = "stretch", controls_width: int = CONTROLS_WIDTH):
    """Two containers, controls and what they drive, side by side; the second moves below the first when
    the window is too narrow for both (a fixed `shown_width`), so neither is squeezed until its text is cut."""
    with st.container(horizontal=True, gap="medium"):
        return st.container(width=controls_width), st.container(width=shown_width)


def metrics_row(figures) -> None:
    """(label, value, help) metrics in a row that wraps instead of cutting a label or value short."""
    with st.container(horizontal=True, gap="medium"):
        for label, value, meaning in figures:
            st.metric(label, value, help=meaning, width="content")


# ---------------------------------------------------------------- digits on screen

def class_name(model, label: int) -> str:
    names = model.card.get("class_names") or []
    return names[label] if label < len(names) else str(label)


def reading(model, judge, read: int, confidence: float, wanted: int | None = None) -> str:
    """The caption under a generated digit: what the judge reads, when it is sure enough (flagged ✗ when that is
    not the digit asked for); otherwise that it is unsure, with its best guess and how probable it finds it."""
    if confidence < judge.confidence_threshold:
        return f"unsure: {class_name(model, int(read))}? {confidence:.1%}"
    return f"reads {class_name(model, int(read))}" + (" ✗" if wanted is not None and read != wanted else "")


def frechet_text(value: float) -> str:
    """A Fréchet distance to three significant figures (one judge's features give hundreds, another's tenths)."""
    return f"{value:,.0f}" if value >= 100 else f"{value:.3g}"


def each_judge(metrics: dict, key: str = "frechet_distance") -> str | None:
    """A card's sample figure as each judge measured it, "first · second" (metrics.sample_quality, judges in name
    order: mnist-judge, mnist-judge-b); the first judge's alone on a card measured before the second judge; None
    when not measured at all."""
    quality = metrics.get("sample_quality") or {}
    text = frechet_text if key == "frechet_distance" else "{:.2f}".format
    if quality:
        return " · ".join(text(q[key]) for _, q in sorted(quality.items()))
    return frechet_text(metrics["frechet_distance_samples"]) if key == "frechet_distance" and \
        "frechet_distance_samples" in metrics else None


def latent_name(k: int) -> str:
    """z₁, z₂ …: latent dimension k (0-based) as the figures and sliders name it."""
    return "z" + str(k + 1).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


def class_color(label: int) -> str:
    return CLASS_COLORS[int(label) % len(CLASS_COLORS)]


def show_digits(images, captions: list[str] | None, size: int = 84, one_row: bool = False,
                pixelated: bool = True) -> None:
    """A row of crisp digits (each uint8, or float in [0, 1]), `size` pixels wide, a caption under each.

    The row wraps; with `one_row` it stays one row and shrinks as a whole where the window is too narrow
    (a strip read left to right); a picture wider than the window shrinks to fit it. One HTML element with
    the pictures inline, not st.image, which gives every picture of a list its own element, media file and
    request. `pixelated=False` scales the pictures smoothly, as photographs are (faces); digits stay crisp.
    """
    show_markup(digits_html(images, captions, size, one_row, pixelated))


class DigitsMarkup(str):
    """Markup that digits_html made: PNGs encoded here, whole numbers and escaped text, nothing else."""


def show_markup(markup: DigitsMarkup) -> None:
    """Draw what digits_html made (a page may cache it for rows that seldom change): the app's one st.html of
    content (the other is setup_page's constant script), which takes nothing but digits_html's own markup, so no
    text from a user, a card or a URL can become HTML."""
    if not isinstance(markup, DigitsMarkup):
        raise TypeError("show_markup draws only markup made by digits_html")
    st.html(markup)


def digits_html(images, captions: list[str] | None, size: int, one_row: bool = False,
                pixelated: bool = True) -> DigitsMarkup:
    """show_digits's markup, made only of PNGs encoded here, whole numbers and escaped text: nothing a caption,
    a model card or an upload holds can become markup. No captions: pictures alone."""
    rendering = "pixelated" if pixelated else "auto"
    figures = []
    for image, caption in zip(images, [""] * len(images) if captions is None else captions, strict=True):
        pixels = image if image.dtype == np.uint8 else to_uint8(image)
        height = round(size * pixels.shape[0] / pixels.shape[1])
        text = html.escape(caption, quote=True)
        figures.append(f'<figure style="margin:0;flex:0 1 {size:d}px;min-width:0;text-align:center">'
                       f'<img src="{png_data_uri(pixels)}" alt="{text}" width="{size:d}" height="{height:d}" '
                       f'style="image-rendering:{rendering};display:block;border-radius:0.375rem;width:100%;'
                       'height:auto">'
                       + ('<figcaption style="font-size:0.875rem;opacity:0.6;line-height:1.4;overflow-wrap:anywhere">'
                          f'{text}</figcaption>' if captions is not None else '') + '</figure>')
    return DigitsMarkup(f'<div style="display:flex;flex-wrap:{"nowrap" if one_row else "wrap"};gap:0.5rem 2px">'
                        f'{"".join(figures)}</div>')


def show_mosaic(mosaic: np.ndarray, width: int) -> None:
    """A grid of digits (uint8) as one crisp picture `width` pixels wide (narrower when the window is).

    Inline, like rows of digits, not an st.image media file: on quick slider moves a rerun deleted the
    previous grid's file while the browser was still fetching it ("Image source error", a 404).
    """
    show_digits([mosaic], None, size=width)


def png_bytes(image: np.ndarray) -> bytes:
    """A uint8 array as PNG, at the fastest compression: pictures here are small and change on every step."""
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def png_data_uri(image: np.ndarray) -> str:
    """A uint8 array as an inline PNG, the form a chart's image layer takes."""
    return "data:image/png;base64," + base64.b64encode(png_bytes(image)).decode()


def tinted(image: np.ndarray, color: str) -> np.ndarray:
    """A grayscale digit (float in [0, 1]) as RGBA in one colour, ink opaque and background transparent."""
    rgb = [int(color[k:k + 2], 16) for k in (1, 3, 5)]
    rgba = np.empty((*image.shape, 4), np.uint8)
    rgba[..., :3] = rgb
    rgba[..., 3] = to_uint8(image)
    return rgba
