"""What every Latent Lab page shares: page set-up, the model picker, cached loaders, held-out digits, layout and
captions. URL state is links.py's, pictures pictures.py's, the user's own digit digit_input.py's.

Importing this module imports neither TensorFlow nor Altair, so the Home page
appears at once. The first page that needs a model pays for TensorFlow, once per
server process: `st.cache_resource` keeps each loaded model and shares it with
every session.
"""
from __future__ import annotations

import gc
import os
from pathlib import Path
from typing import NamedTuple

import numpy as np
import streamlit as st

import startup  # noqa: F401  (first: the environment and Streamlit's patch before anything loads TensorFlow)
import core
import links
from core import registry
from core.data import ENV_VAR, LOADERS, CorruptDataFile, DatasetNotFound, load_dataset
from core.recipes import GAN_FAMILIES, RECIPES
from links import MODEL_PARAM

APP_NAME = "Latent Lab"
FAVICON = "🧪"  # an emoji is drawn by the browser; a ":material/…:" favicon is fetched from fonts.gstatic.com
MAX_SEED = 2 ** 32 - 1  # every seed box takes any seed NumPy's generators take, up to this
PICKER_KEY = "model_picker"  # the sidebar's selectbox
CHOSEN_KEY = "chosen_model"  # the model the user chose last, on any page (session state)
URL_KEY = "model_in_url"     # the model this session last wrote into ?model=: tells a new link from our own echo


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
    yours: str = ""                 # what a model of the user's own pictures needs to be shown here, in words
    attributes: bool = False        # a model of the user's own pictures needs attribute vectors (an attribute file)


USER_DATA = "images"  # card["dataset"]["name"] of a model made from the user's own pictures (core.user_models)
PAGES = {
    # The guided tour picks its own models, step by step: no model card links to it (datasets=()).
    "tour": Page("pages/0_Tour.py", "Tour", ":material/tour:", "mnist-ae-2d", datasets=()),
    # Digit models with an encoder, and the face VAE (generated faces on its principal axes: dashboard/face_views.py).
    "scatter": Page("pages/1_Latent_scatter.py", "Latent scatter", ":material/scatter_plot:", "mnist-vae-2d",
                    datasets=("mnist", "celeba", USER_DATA),
                    needs="a model with an encoder, which places each digit or face at a point (a GAN has none)"),
    # Every digit model: a plane through a GAN's latent space decodes as well as a VAE's; and the face VAE.
    "grid": Page("pages/2_Decoded_grid.py", "Decoded grid", ":material/grid_on:", "mnist-vae-2d", encoder=False,
                 datasets=("mnist", "celeba", USER_DATA)),
    "label": Page("pages/3_Digits_by_label.py", "Digits by label", ":material/format_list_numbered:", "mnist-cvae",
                  conditional_only=True, datasets=("mnist", USER_DATA),
                  needs="a model that is told the label and has an encoder"),
    # The 16-D VAE walks from an average 6 to an average 8 most cleanly: the judge reads only 6s then only 8s
    # along it, every step plausible (both 2-D models pass through a 5 or a 2 and 3; the conditional one is
    # told the label, which makes the walk a label blend).
    "arithmetic": Page("pages/4_Latent_arithmetic.py", "Latent arithmetic", ":material/calculate:", "mnist-vae-16d",
                       datasets=("mnist", USER_DATA),
                       needs="a model with an encoder, whose codes of real digits the sums start from"),
    # A model of the user's pictures made with an attribute file too: its edits unmeasured (dashboard/face_yours.py).
    "faces": Page("pages/5_Face_editing.py", "Face editing", ":material/face:", "celeba-vae",
                  datasets=("celeba", USER_DATA), needs="a face model shipped with attribute vectors",
                  yours="a model with an encoder, imported or trained with an attribute file (labels.csv with one "
                        "0/1 column per attribute), whose attribute vectors the sliders move along",
                  attributes=True),
    # Opens on the DCGAN, the GANs' showcase: convolutional, and trained with the remedies the vanilla GAN lacks.
    # An imported generator alone (core.import_model: family "generator") is shown as a GAN is.
    "gans": Page("pages/6_GAN_samples.py", "GAN samples", ":material/auto_awesome:", "mnist-dcgan", encoder=False,
                 datasets=("mnist", USER_DATA), families=(*GAN_FAMILIES, "generator"),
                 needs="a generator with no encoder (a GAN, or a decoder imported alone)"),
    # Models of pixels with no latent space, and faces as independent pixels: it picks its own models (datasets=()).
    "pixels": Page("pages/7_Pixel_by_pixel.py", "Pixel by pixel", ":material/grain:", "mnist-pixelcnn", datasets=()),
}
# The "tab10" palette: ten classes told apart at a glance, dark enough to read as digit ink on white.
CLASS_COLORS = ["#1F77B4", "#FF7F0E", "#2CA02C", "#D62728", "#9467BD",
                "#8C564B", "#E377C2", "#7F7F7F", "#BCBD22", "#17BECF"]


def setup_page(title: str) -> None:
    """Wide layout (figures need the room) and a browser tab that names the page; notes whether this run arrived on
    the page (a link, the sidebar) or reruns it (a control moved), for links.stale."""
    st.set_page_config(page_title=f"{title} · {APP_NAME}", page_icon=FAVICON, layout="wide")
    st.sidebar.html(NARROW_SIDEBAR, unsafe_allow_javascript=True)
    links.note_arrival(title)


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
            and (not page.encoder or files is None or bool(files.get("encoder") and files.get("latents")))
            and (not page.families or family in page.families)
            and not (page.attributes and card.get("source") == registry.USER_SOURCE
                     and not (files or {}).get("attributes")))


def pages_for(card: dict) -> list[str]:
    """The PAGES that can show this model."""
    return [key for key, page in PAGES.items() if serves(page, card)]


# ---------------------------------------------------------------- models

def shipped_cards(kind: str = "generative") -> list[dict]:
    """Cards of the models of one kind in pretrained/, smallest latent first, read again only when a manifest or a
    card changed (registry.cards_stamp). Shared by every session, as the models holding them are: read, never
    modify.

    A damaged manifest becomes an error message rather than a traceback; an empty list means none are built.
    """
    try:
        return sorted_cards(kind, registry.cards_stamp())
    except registry.PretrainedError as e:
        st.error(f"The list of pretrained models cannot be read: {e}")
        st.stop()


@st.cache_resource(show_spinner=False, max_entries=8)
def sorted_cards(kind: str, stamp: tuple) -> list[dict]:
    return sorted(core.list_models(kind), key=lambda card: card.get("latent_dim") or 0)  # simplest first


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
        return _load_model(model_id, str(registry.root_of(model_id))), None
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
    judge = registry.load_face_judge(judge_id)
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
            and not links.stale(URL_KEY, MODEL_PARAM, requested)):
        if requested in cards:
            st.session_state[CHOSEN_KEY] = requested
        else:
            known = next((card for card in shipped if card["id"] == requested), None)
            st.warning(("The link names no model (`model=` is empty)" if not requested.strip()
                        else f"`{requested}` cannot be shown here: this page needs {needs(spec, known)}" if known
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
        yours = next((card for card in shipped if card["id"] == chosen), {})
        st.info(f"This page needs {needs(spec, yours)}, so it shows **{cards[model_id].get('title')}**. "
                f"Your choice, **{others.get(chosen, chosen)}**, returns on the other pages.")
    card = cards[model_id]
    if "error" in card:
        st.error(card["error"])
        st.stop()
    st.sidebar.caption(card.get("summary", ""))
    return load_model(model_id)


def needs(page: Page, card: dict) -> str:
    """What the page needs that this model lacks, in words: for a model of the user's own pictures, what the page
    needs of one, when it says."""
    return page.yours if page.yours and card.get("source") == registry.USER_SOURCE else page.needs


def of_digits(model) -> bool:
    """Whether the model draws MNIST digits (the judge reads them; a drawn digit fits it), not the user's pictures."""
    return model.card.get("dataset", {}).get("name", "mnist") == "mnist"


def of_yours(model) -> bool:
    """Whether the model draws the user's own pictures (core.user_models), which no judge reads."""
    return model.card.get("dataset", {}).get("name") == USER_DATA


def judge_for(model):
    """The digit judge, for a model of digits; None for a model of the user's own pictures, which it cannot read
    (its pages show the pictures without a reading)."""
    return load_judge() if of_digits(model) else None


def _remember_choice() -> None:
    """The sidebar changed: that model is the user's choice from now on, and the URL names it before the rerun."""
    st.session_state[CHOSEN_KEY] = st.session_state[PICKER_KEY]
    _show_in_url(st.session_state[PICKER_KEY])


def _show_in_url(model_id: str) -> None:
    st.query_params[MODEL_PARAM] = model_id
    st.session_state[URL_KEY] = model_id
    links.remember(URL_KEY, MODEL_PARAM, model_id)



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


def heldout_split(dataset: str) -> tuple[np.ndarray, np.ndarray]:
    """The data set's held-out (images, labels), read once per server; DatasetNotFound or CorruptDataFile when it
    cannot be read."""
    return _heldout_split(dataset, os.environ.get(ENV_VAR))


def how_to_provide(dataset: str) -> str:
    return (f"Point `{ENV_VAR}` at a folder holding `{dataset}/` and restart: "
            f"`{ENV_VAR}=/path/to/data streamlit run dashboard/Home.py`.")


def heldout_originals(model) -> tuple[np.ndarray | None, str | None]:
    """Held-out images in latents.npz order, or (None, why) when they are not available locally.

    A local copy counts only if its labels match the shipped codes, so a different split
    (e.g. the full MNIST test set in ~/.keras) never puts the wrong digit beside a point.
    """
    dataset = model.card["dataset"]["name"]
    if dataset not in LOADERS:  # a user's model: its pictures stay in their folder (core.data.image_folder)
        return None, f"The originals of {model.id}'s held-out pictures stay in your folder; they are not shown here."
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


def duration(seconds: float) -> str:
    """A training time as a card shows it: 2 h 5 min, 3 min 20 s or 40 s."""
    minutes, seconds = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if hours else f"{minutes} min {seconds} s" if minutes else f"{seconds} s"


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
