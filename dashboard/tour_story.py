"""The tour's story: its eight steps, each a claim, the live widget that shows it (tour_widgets.py), the measured
figures beside it (read from the model cards, never typed in) and the page its link opens."""
from __future__ import annotations

from functools import partial
from typing import Callable, NamedTuple

import ui
from core.measured_edits import measured_figure
from tour_widgets import (arithmetic_step, bigger_latent, disc, face_sliders, gan_sharper, mistakes, style_apart,
                          two_number_codes)


class Figure(NamedTuple):
    """A measured figure from a model card: `path` leads through the card (metrics.reconstruction_mse);
    `reduce` turns a list into one number (the smallest class share)."""
    label: str
    model: str
    path: str
    fmt: str
    meaning: str
    reduce: Callable | None = None


class Step(NamedTuple):
    name: str                     # the progress indicator's words
    claim: str                    # one sentence, in large type
    page: str                     # the ui.PAGES page that its link opens
    models: tuple[str, ...]       # the models it needs: without one, the step says what is coming
    figures: tuple[Figure, ...]   # the card figures beside the widget
    show: Callable                # draws the widget; returns the link's URL parameters (and a note it
                                  # measured, to say under the figures instead of `note`)
    note: str                     # how to read the widget, under the figures


FRECHET = ("Fréchet distance between 5,000 samples and the held-out digits, in the features of each of two judges "
           "(mnist-judge, then mnist-judge-b, built differently): a claim stands only if both agree. Lower is better.")

REDRAW_ERROR = "Mean squared error per pixel between held-out digits and their reconstructions. Lower is better."
REDRAWS_READ = "How often the judge classifier names the right digit in a reconstruction."
STEPS = (
    Step("A code is a few numbers",
         "A code is a few numbers: this autoencoder writes every digit as two. Some kinds of digit reach out on "
         "arms of their own, the rest crowd together where the arms meet.",
         "scatter", ("mnist-ae-2d",),
         (Figure("Numbers per digit", "mnist-ae-2d", "latent_dim", "{:d}", "The size of the latent code."),
          Figure("Redraws read right", "mnist-ae-2d", "metrics.judge_accuracy_on_reconstructions", "{:.1%}",
                 "How often the judge classifier names the right digit in a held-out digit redrawn from its two "
                 "numbers."),
          Figure("Autoencoder's Fréchet, each judge", "mnist-ae-2d", "metrics", "{}",
                 FRECHET + " Points drawn between the arms decode poorly.", ui.each_judge)),
         two_number_codes,
         "Each digit is drawn where the encoder puts it, coloured by its true label. Between the arms lies empty "
         "space: points there were never a digit's code."),
    Step("A VAE packs the digits",
         "A VAE packs all ten digits into one disc with no gaps: wherever the pointer goes inside it, the decoder "
         "draws a digit or a blend of two.",
         "grid", ("mnist-vae-2d",),
         (Figure("VAE's Fréchet, each judge", "mnist-vae-2d", "metrics", "{}",
                 FRECHET + " Its samples are drawn from the disc it was trained to fill.", ui.each_judge),
          Figure("Autoencoder's Fréchet, each judge", "mnist-ae-2d", "metrics", "{}",
                 FRECHET + " The 2-D autoencoder of step 1, whose codes leave gaps.", ui.each_judge),
          Figure("VAE's KL to the prior", "mnist-vae-2d", "metrics.kl_nats", "{:.1f} nats",
                 "How far, on average, the encoder's posterior for a digit lies from the prior N(0, I): the "
                 "price of packing the codes into the disc.")),
         disc,
         "Move the pointer over the plane: the digit under it is decoded as you move."),
    Step("A bigger latent",
         "A bigger latent keeps more of each digit: sixteen numbers redraw it far better than two.",
         "grid", ("mnist-vae-2d", "mnist-vae-16d"),
         (Figure("Redraw error, 2-D VAE", "mnist-vae-2d", "metrics.reconstruction_mse", "{:.4f}", REDRAW_ERROR),
          Figure("Redraw error, 16-D VAE", "mnist-vae-16d", "metrics.reconstruction_mse", "{:.4f}", REDRAW_ERROR),
          Figure("2-D redraws read right", "mnist-vae-2d", "metrics.judge_accuracy_on_reconstructions", "{:.1%}",
                 REDRAWS_READ),
          Figure("16-D redraws read right", "mnist-vae-16d", "metrics.judge_accuracy_on_reconstructions", "{:.1%}",
                 REDRAWS_READ)),
         bigger_latent,
         "The same held-out digits, one of each class, redrawn by the 2-D and the 16-D VAE."),
    Step("Identity and style apart",
         "Told the label, a model keeps identity and style apart: one hand writes all ten digits.",
         "label", ("mnist-cvae", "mnist-judge"),
         (Figure("Style transfer accuracy", "mnist-cvae", "metrics.style_transfer_label_accuracy", "{:.1%}",
                 "Every held-out digit's style decoded as each of the ten digits: how often the judge reads the "
                 "label asked for."),
          Figure("Samples read as asked", "mnist-cvae", "metrics.label_accuracy_prior_samples", "{:.1%}",
                 "Prior samples decoded with each label: how often the judge reads the label asked for.")),
         style_apart,
         "The conditional VAE's code holds only the style (slant, width, stroke); the label says which digit."),
    Step("A GAN draws sharper",
         "A GAN draws sharper digits than a VAE, but it has no encoder: it cannot find a digit's code.",
         "gans", ("mnist-dcgan", "mnist-vae-2d", "mnist-vae-16d", "mnist-judge"),
         (),
         gan_sharper,
         "The same number of samples from each model; under each, its card's Fréchet distance (lower is better) "
         "and the share of its ink that is solid."),
    Step("A face and its sliders",
         "A face is 128 numbers, and moving them along one direction adds a smile or glasses.",
         "faces", ("celeba-vae",),
         (Figure("Smile edit succeeds", "celeba-vae", "metrics.attribute_edits", "{:.0%}",
                 "Held-out test faces the face judge reads without a smile, given the slider's edit at 1: the share "
                 "it then reads as smiling.", partial(measured_figure, name="Smiling", figure="success")),
          Figure("Glasses edit succeeds", "celeba-vae", "metrics.attribute_edits", "{:.0%}",
                 "The same for glasses: the share of faces read without glasses that the judge reads with them "
                 "after the edit.", partial(measured_figure, name="Eyeglasses", figure="success")),
          Figure("Redraws keep attributes", "celeba-vae", "metrics.judge_agreement", "{:.1%}",
                 "How often the face judge reads an attribute the same way in a held-out test face and in its "
                 "reconstruction.")),
         face_sliders,
         "Every face here is generated; each slider moves its code by the edit the model card measured for it "
         "(1: that edit)."),
    Step("Latent arithmetic",
         "Directions mean something: walk from a 6 to an 8 and past it, or give another face the first one's glasses.",
         "arithmetic", ("mnist-vae-16d", "celeba-vae"),
         (Figure("Glasses edit succeeds", "celeba-vae", "metrics.attribute_edits", "{:.0%}",
                 "Held-out test faces the judge reads without glasses, given the Eyeglasses slider's edit at 1: the "
                 "share it then reads with them. The analogy adds the same edit.",
                 partial(measured_figure, name="Eyeglasses", figure="success")),
          Figure("Other attributes kept", "celeba-vae", "metrics.attribute_edits", "{:.0%}",
                 "Of the judge's other readings of those faces, the share the glasses edit leaves as they were "
                 "(glasses entail no other attribute, so every reading counts).",
                 partial(measured_figure, name="Eyeglasses", figure="kept_independent"))),
         arithmetic_step,
         "Plausibility ranks a point among the held-out digits' own typicality: 50% is as typical as the median "
         "real digit."),
    Step("What the models get wrong",
         "The models blur, inherit their data's biases and decode nonsense as readily as sense.",
         "faces", ("mnist-vae-2d", "celeba-vae", "mnist-dcgan"),
         (Figure("2-D redraws read right", "mnist-vae-2d", "metrics.judge_accuracy_on_reconstructions", "{:.1%}",
                 "Blur: the 2-D VAE's redrawings are averages, and the judge misreads this many fewer than all."),
          Figure("Fréchet of face samples", "celeba-vae", "metrics.frechet_distance_samples", "{:,.1f}",
                 "Faces drawn from N(0, I) against the test faces, on the face judge's features. Lower is better."),
          Figure("Fréchet of face redraws", "celeba-vae", "metrics.frechet_distance_reconstructions", "{:,.1f}",
                 "Reconstructions of test faces against the test faces. Samples from N(0, I) lie farther (the "
                 "figure beside it), since the prior holds regions no face was encoded to."),
          Figure("DCGAN's rarest digit", "mnist-dcgan", "metrics.class_shares", "{:.1%}",
                 "Bias in a generator: of its samples, the share the judge reads as the digit it draws least (an "
                 "even spread is 10%).", min)),
         mistakes,
         "CelebA's attributes are labellers' yes-or-no marks on photos of celebrities: the attribute vectors and "
         "the judge learn what went with each mark, and whom the photos left out."),
)
