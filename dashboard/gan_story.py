"""The GAN samples page's training story (pages/6_GAN_samples.py lays the page out): the losses epoch by epoch,
the same noise drawn after each epoch, the remedies its recipe used, and what goes wrong with the plain recipe.
"""
import numpy as np
import streamlit as st

import gan_charts
import gans
import links
import pictures
import ui
from exports import chart

STORY_SIZE, STORY_WIDTH = 44, 480


def recipe_note(card: dict) -> str:
    """The remedies the recipe used, from the card's training options."""
    options = card.get("training", {}).get("options", {})
    remedies = []
    if options.get("real_label") is not None and options["real_label"] < 1:
        remedies.append(f"one-sided label smoothing (the discriminator learns to call real digits "
                        f"{options['real_label']:g}, not 1, so it cannot grow over-sure)")
    if options.get("ema_decay"):
        remedies.append(f"a moving average of the generator's weights (decay {options['ema_decay']:g}), which "
                        "smooths out the swings of the tug of war; the pictures are the average's")
    if options.get("pack", 1) > 1:
        remedies.append(f"packing (PacGAN): the discriminator judges {options['pack']} digits at once, so a "
                        "generator that keeps drawing the same few digits is caught")
    if remedies:
        return "Trained with " + ", ".join(remedies[:-1]) + (" and " if len(remedies) > 1 else "") + remedies[-1] + "."
    if options:
        return "Trained with the plain recipe: no label smoothing, no averaging of the generator's weights."
    return ""


def vanilla_note(card: dict, rival: dict | None) -> str:
    """What goes wrong with the vanilla GAN, read from its card's numbers and the DCGAN's."""
    metrics, sentences = card.get("metrics", {}), []
    shares = metrics.get("class_shares")
    goals = metrics.get("goals", {})
    if shares:
        low, high = int(np.argmin(shares)), int(np.argmax(shares))
        names = card.get("class_names") or [str(c) for c in range(len(shares))]
        missed = [names[c] for c, s in enumerate(shares) if s < goals.get("class_share_min", 0)]
        sentences.append(f"The judge reads {shares[high]:.0%} of its samples as {names[high]} and only "
                         f"{shares[low]:.1%} as {names[low]}, where an even spread is {1 / len(shares):.0%} each"
                         + (f": it hardly draws {', '.join(missed)} (mode collapse: the generator settles on the "
                            "digits that fool the discriminator best)." if missed else "."))
    theirs = (rival or {}).get("metrics", {})
    if "frechet_distance_samples" in metrics and "frechet_distance_samples" in theirs:
        ours, dc = metrics["frechet_distance_samples"], theirs["frechet_distance_samples"]
        sentences.append(f"Its Fréchet distance is {ours:,.0f}, {'above' if ours > dc else 'below'} the "
                         f"{rival.get('title', 'DCGAN')}'s {dc:,.0f} (lower is better).")
    if "share_confident" in metrics and "share_confident" in theirs:
        sentences.append(f"The judge is sure of {metrics['share_confident']:.0%} of its samples, against "
                         f"{theirs['share_confident']:.0%} of the DCGAN's.")
    fake = card.get("training", {}).get("history", {}).get("d_fake")
    if fake and len(fake) > 1:
        sentences.append(f"Over the epochs, D's mean probability for generated digits ranged from {min(fake):.2f} "
                         f"to {max(fake):.2f} (0.5: it cannot tell them from real ones).")
    if not sentences:
        return ""
    return ("**What goes wrong with the plain recipe.** Dense layers see a digit as 784 unrelated pixels, and "
            "nothing damps the tug of war between the two networks. " + " ".join(sentences))


@st.fragment
def training_story(model, link: dict) -> None:
    """The losses epoch by epoch, and the same fixed noise drawn after each epoch: the digits emerging."""
    st.subheader("Training story", anchor=False)
    card, epochs = model.card, gans.story_epochs(model)
    training = card.get("training", {})
    history = training.get("history", {})
    if not epochs:
        st.caption(f"{model.id} ships no training story; `{training.get('command', 'python -m core.train')}` "
                   "writes one.")
        return
    controls, shown = ui.beside(STORY_WIDTH)
    key = links.remembered(ui.model_key(model, gans.MODEL_KEYS["epoch"]), epochs[0])
    if st.session_state[key] not in epochs:
        st.session_state[key] = epochs[0]
    with controls:
        if len(epochs) > 1:
            epoch = st.select_slider("After epoch", epochs, key=key,
                                     help="The shipped generator's pictures of the same 20 noises after each epoch.")
        else:
            epoch = epochs[0]
            st.markdown(f"After epoch **{epoch}**, its only one.")
        run = training.get("epochs_run")
        facts = [f"{run} epoch{'' if run == 1 else 's'}" if run else "",
                 f"in {ui.duration(training['wall_time_s'])} on CPU" if "wall_time_s" in training else "",
                 f"({training['images_per_second']:,.0f} images a second)" if "images_per_second" in training
                 else ""]
        st.caption(" ".join(f for f in facts if f) + ". " + recipe_note(card))
    gans.keep_in_url(link, {"epoch": str(epoch)})
    drawn = model.story["samples"][epochs.index(epoch)]
    with shown:
        labels = np.arange(len(drawn)) % model.num_classes if model.conditional else None
        st.markdown(f"The same {len(drawn)} noises after epoch {epoch} of {epochs[-1]}"
                    + (", each told the digit under it." if model.conditional else "."))
        pictures.show_digits(drawn, None if labels is None else [f"asked {gans.name(model, c)}" for c in labels],
                             size=STORY_SIZE)
    if history:
        after = list(range(1, 1 + max(len(v) for v in history.values())))  # history[k][i]: after epoch i + 1
        chart(gan_charts.story_chart(history, after, epoch), "gan_story", displayModeBar=False)
        st.caption("D(x) is the discriminator's mean probability that real digits are real, D(G(z)) that generated "
                   "ones are; at the dotted 0.5 it cannot tell them apart. Each network's loss rises when the other "
                   "gains on it.")
    if card.get("family") == "gan":
        rival = next((c for c in ui.shipped_cards() if c.get("family") == "dcgan" and "error" not in c), None)
        note = vanilla_note(card, rival)
        if note:
            st.markdown(note)
