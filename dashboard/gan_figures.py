"""The GAN samples page's measured figures (pages/6_GAN_samples.py lays the page out): a GAN's card figures against
its goals, and its class shares and label accuracy as charts; the Fréchet figure the GAN against VAE shows too.
"""
import numpy as np
import streamlit as st

import gan_charts
import ui
from exports import chart
from core.evaluators.digits import SAMPLE_FID as SWEEP_SAMPLES
from core.recipes import JUDGE, SECOND_JUDGE

FIGURES_WIDTH = 390                # two charts of the measured figures side by side from 1280 px
GOALS = {  # goals_met key -> what it asks, from the card's goals
    "mode_coverage": lambda g: f"every digit between {g['class_share_min']:.0%} and {g['class_share_max']:.0%} of "
                               "samples (mode coverage)",
    "frechet_at_most_half_of_vae_2d": lambda g: f"a Fréchet distance at most "
                                                f"{g['dcgan_frechet_max_share_of_vae_2d']:.0%} of the 2-D VAE's",
    "frechet_below_vanilla_gan": lambda g: "a Fréchet distance below the vanilla GAN's",
    "precision_and_recall_both_judges": lambda g: f"precision at least {g['dcgan_precision_min']:.2f} and recall at "
                                                  f"least {g['dcgan_recall_min']:.2f}, in both judges' features",
    "frechet_below_both_vaes_both_judges": lambda g: "a Fréchet distance below both VAEs', in both judges' features",
    "label_accuracy": lambda g: f"label accuracy at least {g['label_accuracy_min']:.0%}",
    "label_accuracy_per_class": lambda g: f"every digit's label accuracy at least "
                                          f"{g['label_accuracy_per_class_min']:.0%}",
}


def frechet_help(metrics: dict) -> str:
    n, heldout = metrics.get("frechet_distance_samples_n"), metrics.get("heldout_digits")
    return (f"Between {f'{n:,}' if n else 'samples'}{' samples' if n else ''} and the "
            f"{f'{heldout:,} ' if heldout else ''}held-out digits, on the judge's 128-D features: how far the "
            "samples are, as a crowd, from real digits. Lower is better.")


def judged_by_both(metrics: dict) -> tuple[dict, dict] | None:
    """The samples in each judge's features (the card's sample_quality), the first judge's then the second's; None
    before both measured them."""
    quality = metrics.get("sample_quality") or {}
    return (quality[JUDGE], quality[SECOND_JUDGE]) if {JUDGE, SECOND_JUDGE} <= set(quality) else None


def frechet_figure(metrics: dict) -> tuple[str, str, str]:
    """The Fréchet distance of the samples, in both judges' features once both measured it."""
    both = judged_by_both(metrics)
    if both is None:
        return "Fréchet distance", f"{metrics['frechet_distance_samples']:,.0f}", frechet_help(metrics)
    return ("Fréchet, each judge", ui.each_judge(metrics),
            frechet_help(metrics) + f" The second figure is the same in {SECOND_JUDGE}'s features, a classifier built "
            "differently and trained from another seed: a distance only one judge's features favour does not hold.")


def precision_recall_figures(metrics: dict) -> list[tuple[str, str, str]]:
    """Improved precision and recall of the samples in each judge's features; none before both measured them."""
    both = judged_by_both(metrics)
    if both is None:
        return []
    return [("Precision, each judge", ui.each_judge(metrics, "precision"),
             "Of the samples, the share lying among the held-out digits in each judge's features (within the reach "
             "of a held-out digit's 3rd nearest neighbour): low, the model draws off the data. The first judge's, "
             "then the second's."),
            ("Recall, each judge", ui.each_judge(metrics, "recall"),
             "Of the held-out digits, the share the samples reach in each judge's features: low, the model misses "
             "kinds of digit or ways of writing them. The first judge's, then the second's.")]


def headline_figures(model) -> list[tuple[str, str, str]]:
    """(label, value, meaning) of a GAN's measured figures, from its card."""
    metrics = model.card.get("metrics", {})
    figures = []
    if "frechet_distance_samples" in metrics:
        figures += [frechet_figure(metrics), *precision_recall_figures(metrics)]
    shares = metrics.get("class_shares")
    if shares:
        low, high = int(np.argmin(shares)), int(np.argmax(shares))
        figures += [("Smallest class share", f"{shares[low]:.1%}",
                     f"The digit the judge reads least often in the samples ({ui.class_name(model, low)}). An even "
                     f"spread over {len(shares)} digits is {1 / len(shares):.0%} each; near 0 the GAN misses that "
                     "digit."),
                    ("Largest class share", f"{shares[high]:.1%}",
                     f"The digit the judge reads most often ({ui.class_name(model, high)}): far above an even share, "
                     "the GAN has collapsed towards it.")]
    if "label_accuracy_prior_samples" in metrics:
        figures.append(("Label accuracy", f"{metrics['label_accuracy_prior_samples']:.1%}",
                        f"{metrics.get('label_accuracy_prior_samples_n', 0):,} samples drawn with the labels in "
                        "turn, at ψ = 1: how often the judge reads the digit asked for. The truncation caption's "
                        f"figure at ψ = 1 comes from the {SWEEP_SAMPLES:,} samples of that sweep, so it differs a "
                        "little."))
    if "mean_confidence" in metrics:
        figures.append(("Judge confidence", f"{metrics['mean_confidence']:.1%}",
                        "The judge's mean probability for its own reading of a sample: clear digits score high."))
    if "share_confident" in metrics:
        figures.append(("Sure readings", f"{metrics['share_confident']:.1%}",
                        "Samples the judge reads at least as surely as its confidence threshold, above which its "
                        "readings of real digits are almost never wrong."))
    return figures


def measured_figures(model) -> None:
    """The card's figures with its goals; the class shares (and a conditional GAN's label accuracy) as gan_charts."""
    st.subheader("Measured figures", anchor=False)
    metrics = model.card.get("metrics", {})
    if "frechet_distance_samples" not in metrics:
        st.caption(f"Not evaluated yet: `python -m core.evaluate {model.id}` measures it.")
        return
    ui.metrics_row(headline_figures(model))
    goals, met = metrics.get("goals", {}), metrics.get("goals_met", {})
    if met:
        lines = []
        for key, ok in met.items():
            try:
                what = GOALS[key](goals) if key in GOALS else key.replace("_", " ")
            except KeyError:  # a goal whose bound the card does not give
                what = key.replace("_", " ")
            lines.append(f"- {'✓ met' if ok else '✗ not met'}: {what}")
        st.markdown("**Goals** (from its card):\n" + "\n".join(lines))
    names = [ui.class_name(model, c) for c in range(model.num_classes)]
    with st.container(horizontal=True, gap="medium"):
        if metrics.get("class_shares"):
            with st.container(width=FIGURES_WIDTH):
                st.markdown("**What the judge reads in the samples**")
                band = (goals["class_share_min"], goals["class_share_max"]) \
                    if {"class_share_min", "class_share_max"} <= set(goals) else None
                chart(gan_charts.class_shares_chart(metrics["class_shares"], names, ui.CLASS_COLORS, band),
                      "gan_class_shares", displayModeBar=False)
                if band:
                    st.caption(f"Green: the goal, every digit between {band[0]:.0%} and {band[1]:.0%} of samples.")
        per_class = metrics.get("label_accuracy_prior_samples_per_class")
        if per_class:
            with st.container(width=FIGURES_WIDTH):
                st.markdown("**Label accuracy, digit by digit**")
                floor = goals.get("label_accuracy_per_class_min")
                chart(gan_charts.label_accuracy_chart(per_class, names, floor), "gan_label_accuracy",
                      displayModeBar=False)
                if floor is not None:
                    st.caption(f"Dashed: the goal, at least {floor:.0%} for every digit.")
    method = model.card.get("evaluation", {}).get("method")
    if method:
        st.caption(f"How: {method}")
