"""Latent Lab home: what the app is, the shipped models with their measured figures, and the way in.

Reads model cards only (JSON), never TensorFlow, so it appears at once;
`streamlit run dashboard/Home.py` from the repository root.
"""
import streamlit as st

import ui
import warmup
from core import registry
from core.models.face_judge import FACE_JUDGE
from core.recipes import SECOND_JUDGE

# (card key, short label, format, what it means): the measured figures a card may hold, in reading order.
METRICS = [
    ("neg_log_likelihood_iwae_nats", "−log p(x), IWAE", "{:.1f} nats",
     "Importance-weighted bound (128 samples) on the negative log-likelihood of the binarised held-out digits. "
     "Lower is better."),
    ("neg_elbo_nats", "−ELBO", "{:.1f} nats",
     "Negative evidence lower bound on the binarised held-out digits (16 posterior samples). Lower is better."),
    ("kl_nats", "KL to the prior", "{:.1f} nats",
     "How far, on average, the encoder's posterior for a digit lies from the prior."),
    ("reconstruction_nll_binarised_nats", "Reconstruction NLL", "{:.1f} nats",
     "Bernoulli negative log-likelihood of the binarised held-out digits under their reconstructions. "
     "Lower is better."),
    ("reconstruction_mse", "Reconstruction MSE", "{:.4f}",
     "Mean squared error per pixel (intensities 0–1) between held-out digits and their reconstructions. "
     "Lower is better."),
    ("judge_accuracy_on_reconstructions", "Judge accuracy", "{:.1%}",
     "How often the judge classifier names the right digit when shown the reconstruction. Higher is better."),
    ("frechet_distance_samples", "Fréchet distance", "{:,.0f}",
     "Fréchet distance between samples from the model and the held-out digits, on the judge's 128-D features. "
     "Lower is better."),
    # Once both judges measured the samples (see figures()): each judge's Fréchet distance, precision and recall.
    ("frechet_each_judge", "Fréchet, each judge", "{}",
     "Fréchet distance between samples and the held-out digits in mnist-judge's features, then in mnist-judge-b's "
     "(built differently, trained from another seed). Lower is better."),
    ("precision_each_judge", "Precision, each judge", "{}",
     "Of the samples, the share lying among the held-out digits in each judge's features: low, the model draws "
     "off the data. Higher is better."),
    ("recall_each_judge", "Recall, each judge", "{}",
     "Of the held-out digits, the share the samples reach in each judge's features: low, the model misses kinds "
     "of digit. Higher is better."),
    # A GAN's mode coverage: derived from the card's class_shares (see figures()).
    ("smallest_class_share", "Smallest class share", "{:.1%}",
     "Of the model's samples, the share the judge reads as the digit it draws least often. An even spread over ten "
     "digits is 10% each; near 0 the model misses a digit (mode collapse)."),
    ("largest_class_share", "Largest class share", "{:.1%}",
     "Of the model's samples, the share the judge reads as the digit it draws most often: far above 10%, the model "
     "has collapsed towards that digit."),
    ("label_accuracy_prior_samples", "Label accuracy (samples)", "{:.1%}",
     "Conditional models: how often the judge reads the requested digit in prior samples decoded with that "
     "label. Higher is better."),
    ("style_transfer_label_accuracy", "Style transfer accuracy", "{:.1%}",
     "Conditional models: every held-out digit's style decoded as each of the ten labels; how often the judge "
     "reads the requested label. Higher is better."),
    ("mean_confidence", "Judge confidence", "{:.1%}",
     "The judge's mean probability for its own reading of a sample: clear digits score high, blotches low."),
]
# How many samples a figure was measured with, when its card says: appended to the figure's meaning.
SAMPLE_COUNTS = {"frechet_distance_samples": "frechet_distance_samples_n",
                 "label_accuracy_prior_samples": "label_accuracy_prior_samples_n"}
# The figures of a face model (CelebA), measured on the official test partition by core.evaluate.
FACE_METRICS = [
    ("reconstruction_mse", "Reconstruction MSE", "{:.4f}",
     "Mean squared error per pixel and colour channel (levels 0–1) between held-out test faces and their "
     "reconstructions. Lower is better."),
    ("judge_agreement", "Judge agreement", "{:.1%}",
     "How often the face judge reads an attribute the same way in a held-out test face and in its reconstruction, "
     "over the attributes it reads best. Higher is better."),
]
ABOUT_WIDTH, FIGURES_WIDTH = 300, 440  # a card's two halves: side by side from 1280 px, stacked at 800


def figures(card: dict) -> dict:
    """A card's measured figures, with the mode coverage derived from its class shares (GANs)."""
    metrics = dict(card.get("metrics", {}))
    shares = metrics.get("class_shares")
    if shares:
        metrics["smallest_class_share"], metrics["largest_class_share"] = min(shares), max(shares)
    if len(metrics.get("sample_quality") or {}) > 1:  # measured by both judges: each judge's figures instead
        del metrics["frechet_distance_samples"]
        for key in ("frechet_distance", "precision", "recall"):
            metrics[f"{key.split('_')[0]}_each_judge"] = ui.each_judge(metrics, key)
    return metrics


def meaning(key: str, text: str, metrics: dict) -> str:
    """A figure's help: what it means, and how many samples it was measured with when the card says."""
    n = metrics.get(SAMPLE_COUNTS.get(key, ""))
    return text + (f" Measured with {n:,} samples." if isinstance(n, int) else "")


def model_card(card: dict) -> None:
    """One model: what it is, its data and training effort, its measured figures, and links into the pages."""
    with st.container(border=True):
        if "error" in card:
            st.subheader(card["id"], anchor=False)
            st.error(card["error"])
            return
        about, shown = ui.beside(FIGURES_WIDTH, controls_width=ABOUT_WIDTH)
        data, training = card["dataset"], card["training"]
        faces = data["name"] == "celeba"
        items = "faces" if faces else "pictures" if data["name"] == "images" else "digits"
        validate = f"{data['validation']:,} to validate" if data.get("validation") else "no validation split"
        best = f" (best {training['best_epoch']})" if "best_epoch" in training else ""
        with about:
            st.subheader(card.get("title", card["id"]), anchor=False)
            if card.get("source") == registry.USER_SOURCE:
                st.caption(f"Your model, from `{registry.user_root()}`")
            st.write(card.get("summary", ""))
            st.markdown(
                f"**Latent size** {card['latent_dim']} · **Family** {card['family'].upper()}  \n"
                f"**Data** {data['name'].upper()}: {data['fit']:,} {items} to fit, {validate}, "
                f"{data['heldout']:,} held out for the figures  \n"
                + ("**Training** elsewhere: imported" if training.get("imported") else
                   f"**Training** {training['epochs_run']} epoch{'' if training['epochs_run'] == 1 else 's'}{best} in "
                   f"{ui.duration(training['wall_time_s'])} on CPU"),
                help=data.get("description"))
            with st.container(horizontal=True):  # wraps instead of truncating when a card has three links
                for page in ui.pages_for(card):
                    ui.page_link(page, card["id"])
        with shown:
            metrics = figures(card)
            measured = [m for m in (FACE_METRICS if faces else METRICS) if m[0] in metrics]
            ui.metrics_row((label, fmt.format(metrics[key]), meaning(key, text, metrics))
                           for key, label, fmt, text in measured)
            if not measured:
                st.caption("No figures: a model imported without an encoder or --data has none yet."
                           if card.get("source") == registry.USER_SOURCE
                           else f"Not evaluated yet: `python -m core.evaluate {card['id']}` measures it.")
            if faces:
                sharp_goals(card)
                edit_goals(card.get("metrics", {}).get("attribute_edits") or {})
            generator = "files" in card and not card["files"].get("encoder")  # a GAN: samples only
            given_label = " Likelihoods are of each digit given its label." \
                if card.get("conditional") and not generator else ""
            against = "Its samples, read by the judge, against the" if generator else "Measured on the"
            if card.get("source") == registry.USER_SOURCE:  # no judge reads a user's pictures (yet)
                measured_on = f"Measured on {data['heldout']:,} of your pictures. " if measured else ""
                st.caption(f"{measured_on}Made with: `{training['command']}`")
                return
            st.caption(f"{against} {data['heldout']:,} held-out {'test faces' if faces else items}."
                       f"{given_label} "
                       f"Rebuild: `{training['command']}`"
                       + (f", then `{training['sharpened']['command']}`" if "sharpened" in training else ""))


SHARP_FIGURES = (  # a face model's sharpness figures (card metrics), their goal's key in sharp_goals, and words
    ("frechet_distance_reconstructions", "frechet_reconstructions", "reconstructions' Fréchet distance", "≤"),
    ("laplacian_energy_ratio", "laplacian_ratio", "fine detail (Laplacian energy) of reconstructions ÷ originals'",
     "≥"),
    ("frechet_distance_samples_trick", "frechet_samples_trick", "sampling-trick samples' Fréchet distance", "≤"),
    ("frechet_distance_samples", "frechet_samples", "N(0, I) samples' Fréchet distance", "≤"),
)


def sharp_goals(card: dict) -> None:
    """A face model's sharpness against its goals, met or missed, beside what real faces score in the same
    features (the face judge's card: its floor) and how long the decoder's sharpening took."""
    metrics = card.get("metrics", {})
    goals, met = metrics.get("sharp_goals") or {}, metrics.get("sharp_goals_met") or {}
    shown = []
    for key, goal, words, sign in SHARP_FIGURES:
        bound = goals.get(goal + ("_max" if sign == "≤" else "_min"))
        if key in metrics and bound is not None:
            shown.append(f"{words} {metrics[key]:.3g} (goal {sign} {bound:g}) "
                         + ("✓ met" if met.get(goal) else "✗ missed"))
    if not shown:
        return
    judge = next((c for c in ui.shipped_cards("judge") if c["id"] == metrics.get("judge")), {})
    floor = judge.get("metrics", {}).get("frechet_distance_real_train_vs_heldout")
    sharpened = card.get("training", {}).get("sharpened") or {}
    st.caption("Sharpness against its goals, in the face judge's features"
               + (f" (real training faces against the test faces: {floor:.3g})" if floor else "") + ": "
               + "; ".join(shown) + "."
               + (f" The decoder was sharpened against a patch critic for {len(sharpened.get('epochs', []))} "
                  f"epochs in {ui.duration(sharpened['wall_time_s'])} on CPU (epoch "
                  f"{sharpened.get('chosen_epoch')} shipped)." if "wall_time_s" in sharpened else ""))


def edit_goals(edits: dict) -> None:
    """A face model's slider edits (the method that won on validation faces, core.measured_edits) against each
    attribute's goal (success, readings kept beyond what the edit entails, confounders flipped no more than on real
    photos), the missed ones as plainly as the met ones; Male both ways."""
    from core.measured_edits import ADD, REMOVE, choose
    goals = (edits.get("goals_by_attribute") or {}).get("attributes") or {}
    scored = []
    for name, goal in goals.items():
        for direction in (ADD, REMOVE) if name == "Male" else (ADD,):
            c = choose(edits, name, direction)
            if c and c.test and "kept_independent" in c.test["plain"]:
                label = name.replace("_", " ") + (" removed" if direction == REMOVE else "")
                scored.append((label, goal, c.test["plain"], c.test.get("goal_met")))
    if scored:
        st.caption("The sliders' edits against each attribute's goal (success / readings kept beyond what it "
                   "entails, and sex or age flipped no more than on real photos): " + "; ".join(
                       f"{label} {s['success']:.1%} / {s['kept_independent']:.1%} (goal "
                       f"≥ {goal['success_min']:.0%} / ≥ {goal['kept_min']:.0%}) "
                       + ("✓ met" if met else "✗ missed") for label, goal, s, met in scored) + ".")


def judge_note() -> None:
    """The judge behind two of the figures, with the floor its Fréchet distance has on real digits; and the face
    judge behind the face models' judge agreement."""
    for judge in ui.shipped_cards("judge"):
        metrics = judge.get("metrics", {})
        if judge["id"] == FACE_JUDGE and "best_judged_mean_balanced_accuracy" in metrics:
            st.caption(f"Face figures use **{judge.get('title', judge['id'])}**, which reads CelebA's 40 attributes "
                       f"({metrics['best_judged_mean_balanced_accuracy']:.1%} mean balanced accuracy on held-out "
                       f"test faces over the {len(metrics.get('best_judged', []))} attributes it reads best).")
        if "heldout_accuracy" in metrics:
            floor = metrics.get("frechet_distance_real_train_vs_heldout")
            pr = (f", precision {metrics['precision_real_train_vs_heldout']:.2f} and recall "
                  f"{metrics['recall_real_train_vs_heldout']:.2f}" if "precision_real_train_vs_heldout" in metrics
                  else "")
            uses = ("The second figure of each pair uses" if judge["id"] == SECOND_JUDGE else "Judge figures use")
            st.caption(
                f"{uses} **{judge['title']}** ({metrics['heldout_accuracy']:.1%} accurate on held-out "
                "digits)." + (f" Real digits against real digits score a Fréchet distance of "
                              f"{ui.frechet_text(floor)}{pr}: "
                              f"the best {metrics.get('frechet_floor_samples', 2000):,} samples can do." if floor
                              else ""))


ui.setup_page("Home")
st.title("Latent Lab")
st.markdown(
    "Generative models squeeze each image into a few numbers, its **latent code**, and can turn codes back "
    "into images. Latent Lab lets you look inside that space: see where every digit lands, then decode "
    "any point of it and watch the digits morph as you move. A face model does the same with photos of faces: "
    "add a smile or glasses by moving a face's code. A GAN goes one way only: it draws digits from random noise, "
    "with no encoder to find a digit's code.")
with st.container(horizontal=True, vertical_alignment="center", gap="medium"):
    if st.button("Start the tour", icon=":material/play_circle:", type="primary", key="start_tour"):
        st.switch_page(ui.PAGES["tour"].path)
    st.caption("New here? The tour tells the story one claim a screen, each with a live picture, the measured "
               "figures that back it and a link into its page.", width=560)

explore, sweep = st.columns(2)  # two by two: four columns cut the links short in an 800 px window
by_label, arithmetic = st.columns(2)
faces_link, gans_link = st.columns(2)
pixels_link, _ = st.columns(2)
with explore:
    ui.page_link("scatter")
    st.caption("Held-out digits as dots in latent space. Click a dot, or drag a box around some, to see the digits "
               "behind them, or draw the digits themselves as markers. For faces: generated faces, coloured by what "
               "the face judge reads in them.")
with sweep:
    ui.page_link("grid")
    st.caption("Decode an evenly spaced grid across a plane of latent space and watch one digit "
               "turn into another, or one face into another along the face model's principal axes.")
with by_label:
    ui.page_link("label")
    st.caption("Conditional models: ask for a digit, move its style, blend an 8 into a 3, and write all ten "
               "digits in the style of one you upload or draw.")
with arithmetic:
    ui.page_link("arithmetic")
    st.caption("Walk from an average 6 to an average 8 and past it, add and subtract digits' codes, and see "
               "where each point lies among the real digits, in 3-D.")
with faces_link:
    ui.page_link("faces")
    st.caption("Face models: start from a random face, a held-out one or your photo, and add or take away a "
               "smile, glasses or blond hair with sliders, while the face judge reads the result.")
with gans_link:
    ui.page_link("gans")
    st.caption("GANs: sample digits from noise, trade variety for clarity with the truncation trick, walk between "
               "two noises, and watch the digits emerge epoch by epoch.")
with pixels_link:
    ui.page_link("pixels")
    st.caption("Before any latent space: faces as independent pixels, and a PixelCNN that draws digits pixel by "
               "pixel, completes half a digit and has the best likelihood here, with no code to explore.")

st.header("Models", anchor=False)
cards = ui.shipped_cards()
if not cards:
    st.info(ui.no_models_message())
for card in cards:
    model_card(card)
judge_note()
warmup.start()  # Home is drawn: load TensorFlow and the pages' models while the visitor reads it
