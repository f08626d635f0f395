"""The README's models block: the shipped models' figures from their cards (pretrained/*/card.json), the two
judges' and the GANs' goals, the PixelCNN against the VAEs' bounds, the face model's line. Imports no TensorFlow."""
from __future__ import annotations

import json
import math
from pathlib import Path

from bench.report_format import pct, per_s, table
from core.face_edits import ATTRIBUTE_GOALS, EDIT_GOALS
from core.measured_edits import ADD, REMOVE, choose
from core.recipes import GAN_FAMILIES

PRETRAINED = Path(__file__).resolve().parents[1] / "pretrained"


def read_cards(pretrained: Path = PRETRAINED) -> list[dict]:
    """The shipped models' cards, in the manifest's list (cards not in it are not shipped)."""
    names = json.loads((pretrained / "manifest.json").read_text())["models"]
    return [json.loads((pretrained / n / "card.json").read_text()) for n in names]


def _is_gan(card: dict) -> bool:
    return card.get("kind") == "generative" and card.get("family") in GAN_FAMILIES


def models_block(pretrained: Path = PRETRAINED) -> str:
    cards = read_cards(pretrained)
    models = sorted((c for c in cards if c.get("kind") == "generative" and c["dataset"]["name"] != "celeba"
                     and not _is_gan(c)),
                    key=lambda c: (bool(c.get("conditional")), c["latent_dim"], c["family"]))
    gans = sorted((c for c in cards if _is_gan(c)), key=lambda c: GAN_FAMILIES.index(c["family"]))
    faces = [c for c in cards if c.get("kind") == "generative" and c["dataset"]["name"] == "celeba"]
    data_sets = {(c["dataset"]["description"], c["dataset"]["fit"], c["dataset"]["validation"],
                  c["dataset"]["heldout"]) for c in models}
    lines = []
    for description, fit, validation, heldout in sorted(data_sets):
        lines.append(f"Trained on CPU on the {description}: {fit:,} digits to fit, {validation:,} to stop early. "
                     f"Measured on the {heldout:,} held-out digits by `python -m core.evaluate`:")
    lines.append("")
    rows = []
    for c in models:
        m, t = c.get("metrics", {}), c["training"]
        nats = (lambda key: f"{m[key]:.1f}" if key in m else None)
        rows.append([f"`{c['id']}`", c["family"].upper(), c["latent_dim"], nats("neg_elbo_nats"),
                     nats("neg_log_likelihood_iwae_nats"),
                     f"{m['reconstruction_mse']:.4f}" if "reconstruction_mse" in m else None,
                     pct(m.get("judge_accuracy_on_reconstructions")),
                     f"{m['frechet_distance_samples']:.1f}" if "frechet_distance_samples" in m else None,
                     f"{t['epochs_run']} / {t['wall_time_s'] / 60:.1f} min"])
    lines += table(["model", "family", "latent", "−ELBO (nats)", "−log p(x), IWAE-128 (nats)", "recon. MSE",
                     "judge acc. on recon.", "Fréchet dist. of samples", "epochs / wall-clock time"], rows)
    lines.append("")
    for judge in (c for c in cards if c.get("kind") == "judge"):
        m = judge.get("metrics", {})
        if "heldout_accuracy" not in m:
            continue
        line = (f"- `{judge['id']}`: {judge.get('summary', '').rstrip('.')}. {pct(m['heldout_accuracy'])} accurate "
                f"on the {m['heldout_digits']:,} held-out digits (every class ≥ "
                f"{pct(min(m['per_class_accuracy'].values()))}).")
        if "frechet_distance_real_train_vs_heldout" in m:
            line += (" Real training digits against the held-out digits score a Fréchet distance of "
                     f"{m['frechet_distance_real_train_vs_heldout']:.3g} in its features"
                     + (f", precision {m['precision_real_train_vs_heldout']:.2f} and recall "
                        f"{m['recall_real_train_vs_heldout']:.2f}" if "precision_real_train_vs_heldout" in m else "")
                     + ": the best a model can do at this sample size.")
        lines.append(line)
    for c in models:
        m = c.get("metrics", {})
        if not c.get("conditional") or "label_accuracy_prior_samples" not in m:
            continue
        n, per_class = m["label_accuracy_prior_samples_n"], m["label_accuracy_prior_samples_per_class"]
        line = (f"- `{c['id']}`: its likelihoods are of each digit given its label. Of {n:,} prior samples "
                f"({n // len(per_class):,} a class) decoded with a label, the judge reads that label in "
                f"{pct(m['label_accuracy_prior_samples'])} (every class ≥ {pct(min(per_class.values()))})")
        if "style_transfer_label_accuracy" in m:
            line += (f"; re-rendering each held-out digit's style as all ten labels keeps the label in "
                     f"{pct(m['style_transfer_label_accuracy'])} of {m['style_transfer_n']:,} cases")
        lines.append(line + ".")
    if gans:
        lines += ["", *gan_lines(gans, models)]
    for c in cards:
        if c.get("kind") == "autoregressive" and "neg_log_likelihood_nats" in c.get("metrics", {}):
            lines += ["", *pixel_lines(c)]
    lines += ["", *two_judges_lines([*models, *gans], [c for c in cards if c.get("kind") == "judge"])]
    lines += [""] + [face_line(c, cards) for c in faces]
    return "\n".join(lines).strip()


def two_judges_lines(models: list[dict], judges: list[dict]) -> list[str]:
    """Every digit model's samples in each judge's features (cards' metrics.sample_quality): Fréchet distance,
    precision and recall, beside what real training digits score (the judges' cards); none without figures."""
    measured = [c for c in models if c.get("metrics", {}).get("sample_quality")]
    names = sorted({j for c in measured for j in c["metrics"]["sample_quality"]})
    if not measured:
        return []
    floors = {j["id"]: j.get("metrics", {}) for j in judges if j["id"] in names}

    def cells(quality: dict) -> list:
        return [cell for name in names for cell in (
            (f"{quality[name]['frechet_distance']:.3g}", f"{quality[name]['precision']:.2f}",
             f"{quality[name]['recall']:.2f}") if name in quality else (None, None, None))]
    rows = [[f"`{c['id']}`", c["family"].upper(), *cells(c["metrics"]["sample_quality"])] for c in measured]
    floor = {name: {"frechet_distance": m["frechet_distance_real_train_vs_heldout"],
                    "precision": m["precision_real_train_vs_heldout"], "recall": m["recall_real_train_vs_heldout"]}
             for name, m in floors.items() if "precision_real_train_vs_heldout" in m}
    rows.append(["real training digits", "–", *cells(floor)])
    n = next(iter({c["metrics"].get("frechet_distance_samples_n") for c in measured}), None)
    return [f"Samples under two judges: {n:,} samples of each model against the held-out digits, in each judge's "
            "features: Fréchet distance (lower is better), improved precision (the share of samples that look like "
            "held-out digits) and recall (the share of held-out digits the samples cover), k = 3 nearest "
            "neighbours. The last row is real training digits, what a perfect model would score:", "",
            *table(["model", "family", *[f"{label}, `{name}`" for name in names
                                          for label in ("Fréchet", "precision", "recall")]], rows)]


# What a GAN card's goals_met keys mean, as the table says it (other keys are shown as they are named).
GOAL_NAMES = {"mode_coverage": "mode coverage", "label_accuracy": "label accuracy",
              "label_accuracy_per_class": "every class's label accuracy",
              "frechet_at_most_half_of_vae_2d": "Fréchet ≤ half `mnist-vae-2d`'s",
              "frechet_below_vanilla_gan": "Fréchet below `mnist-gan`'s",
              "precision_and_recall_both_judges": "precision and recall, both judges",
              "frechet_below_both_vaes_both_judges": "Fréchet below both VAEs', both judges"}


def gan_lines(gans: list[dict], others: list[dict]) -> list[str]:
    """The GANs' table (samples only: no encoder, so no ELBO or reconstruction), its goals read from the cards,
    and whether the other digit models' Fréchet distances are of as many samples (their cards say)."""
    lines, seen = [], {c["dataset"]["description"] for c in others}
    for description, fit, heldout in sorted({(c["dataset"]["description"], c["dataset"]["fit"],
                                               c["dataset"]["heldout"]) for c in gans}):
        where = "the same subset" if description in seen else f"the {description}"
        lines.append(f"GANs, trained on CPU on {where}: all {fit:,} digits for a fixed number of epochs (no early "
                     f"stopping, so none kept apart for it). Their samples are measured against the {heldout:,} "
                     "held-out digits by `python -m core.evaluate`, through the judge:")
    lines.append("")
    goals = next((c["metrics"]["goals"] for c in gans if c.get("metrics", {}).get("goals")), {})
    sample_ns = {c.get("metrics", {}).get("frechet_distance_samples_n") for c in gans} - {None}
    one_n = next(iter(sample_ns)) if len(sample_ns) == 1 else None
    rows = []
    for c in gans:
        m, t = c.get("metrics", {}), c["training"]
        fid = m.get("frechet_distance_samples")
        if fid is not None:
            n = m.get("frechet_distance_samples_n")
            fid = (f"{fid:.1f}" if one_n else f"{fid:.1f} ({n:,} samples)" if n
                   else f"{fid:.1f} (samples not recorded)")
        shares = m.get("class_shares")
        per_class = m.get("label_accuracy_prior_samples_per_class")
        label = (f"{pct(m['label_accuracy_prior_samples'])} (every class ≥ {pct(min(per_class.values()))})"
                 if "label_accuracy_prior_samples" in m and per_class else None)
        met = ", ".join(f"{GOAL_NAMES.get(k, k.replace('_', ' '))}: {'yes' if v else 'NO'}"
                        for k, v in m.get("goals_met", {}).items())
        ips = t.get("images_per_second")
        rows.append([f"`{c['id']}`", c["family"].upper(), fid,
                     f"{pct(min(shares))} / {pct(max(shares))}" if shares else None, label,
                     f"{t['epochs_run']} / {t['wall_time_s'] / 60:.1f} min", per_s(ips), met or None])

    def goal(text: str, *keys: str) -> str:
        return f" (goal {text.format(*(f'{goals[k]:.0%}' for k in keys))})" if all(k in goals for k in keys) else ""
    lines += table(["model", "family",
                     f"Fréchet dist. of {one_n:,} samples" if one_n else "Fréchet dist. of samples",
                     "smallest / largest class share" + goal("{} – {}", "class_share_min", "class_share_max"),
                     "label accuracy" + goal("≥ {}, every class ≥ {}", "label_accuracy_min",
                                             "label_accuracy_per_class_min"),
                     "epochs / wall-clock time", "training images/s", "goals met"], rows)
    note = ("The class shares are of the judge's readings of those samples (mode coverage: a GAN that collapsed "
            "draws a few digits only); a conditional GAN's samples ask for each digit in turn")
    labelled = next((c for c in gans if c.get("metrics", {}).get("label_accuracy_prior_samples_n")), None)
    if labelled:
        n, k = labelled["metrics"]["label_accuracy_prior_samples_n"], labelled.get("num_classes") or 10
        note += (f", and its label accuracy is the share of {n:,} samples ({n // k:,} a digit) read as the digit "
                 "asked for")
    lines += ["", note + "."]
    measured = [c for c in others if "frechet_distance_samples" in c.get("metrics", {})]
    if one_n and measured:
        heldout = {c["dataset"]["heldout"] for c in gans}
        differ = [c for c in measured if c["metrics"].get("frechet_distance_samples_n") != one_n
                  or c["dataset"]["heldout"] not in heldout]
        if not differ:
            lines.append(f"The first table's Fréchet distances are measured the same way ({one_n:,} samples "
                         "against the same held-out digits), so the two tables' figures compare.")
        else:
            by_n: dict = {}
            for c in differ:
                by_n.setdefault(c["metrics"].get("frechet_distance_samples_n"), []).append(f"`{c['id']}`")
            said = [f"{', '.join(ids)} " + (f"({n:,} samples)" if n else
                                            f"(no sample count on {'their cards' if len(ids) > 1 else 'its card'})")
                    for n, ids in by_n.items()]
            lines.append(f"The first table's Fréchet distances do not yet compare with these ({one_n:,} samples): "
                         f"{'; '.join(said)}. Re-evaluate those models with `python -m core.evaluate`.")
    return lines


def pixel_lines(card: dict) -> list[str]:
    """The PixelCNN's exact -log p(x) beside the latent models' bounds on the same binary digits (all from its card,
    measured alike), then its completions and drawing times against its goals."""
    m, t = card["metrics"], card["training"]
    bits = (lambda nats: f"{nats / (784 * math.log(2)):.3f}")
    rows = [[f"`{card['id']}`", "PixelCNN", f"{m['neg_log_likelihood_nats']:.1f}",
             f"{m['bits_per_dim']:.3f}", "exact"]]
    for rival, b in m.get("latent_models", {}).items():
        rows.append([f"`{rival}`", b["family"].upper(),
                     f"{b['neg_log_likelihood_iwae_nats']:.1f}", bits(b["neg_log_likelihood_iwae_nats"]),
                     f"IWAE-128 bound (−ELBO {b['neg_elbo_nats']:.1f})"
                     + (", given the label" if b["conditioned_on_label"] else "")])
    lines = [f"Pixels with no latent: `{card['id']}` ({t['epochs_run']} epochs / {t['wall_time_s'] / 60:.1f} min on "
             f"CPU; {card['dataset']['fit']:,} digits to fit, {card['dataset']['validation']:,} to stop early), "
             f"beside the latent models on the same {m['heldout_digits']:,} held-out digits, each binarised once at "
             "0.5, the binarisation the PixelCNN trained on. Its −log p(x) is exact, the others' are bounds; they "
             "were trained on grey levels, binarised afresh each epoch, and here their encoders read the binary "
             "digits:", "", *table(["model", "family", "−log p(x) (nats)", "bits per dimension", "how"], rows)]
    goals, met, done = m.get("goals", {}), m.get("goals_met", {}), m.get("completion")
    said = [f"−log p(x) at least {goals['nats_below_vae_16d_min']:g} nats below `mnist-vae-16d`'s bound: "
            f"{'yes' if met['nats_below_vae_16d'] else 'NO'}"] if "nats_below_vae_16d" in met else []
    if done and done.get("accuracy_readable_top_halves") is not None:
        said.append(f"of the completions of the {done['readable_top_halves']:,} held-out digits whose top half alone "
                    f"the judge reads right (the bottom {28 - done['known_rows']} rows drawn "
                    f"{done['completions_per_digit']} times), it reads {pct(done['accuracy_readable_top_halves'])} "
                    f"as the true digit ({pct(done['accuracy_all_digits'])} over all {done['digits']:,}; goal ≥ "
                    f"{pct(goals.get('completion_accuracy_min'))}): {'yes' if met['completion_accuracy'] else 'NO'}")
    said.append(f"16 samples drawn in {m['sample_16_s']:.2f} s (goal ≤ {goals.get('sample_16_max_s'):g} s): "
                f"{'yes' if met.get('sample_16') else 'NO'}; {m['complete_half_completions']} completions of a half "
                f"digit in {m['complete_half_s']:.2f} s (goal ≤ {goals.get('complete_half_max_s'):g} s): "
                f"{'yes' if met.get('complete_half') else 'NO'}")
    return lines + ["", "Its goals: " + "; ".join(said) + "."]


def face_line(card: dict, cards: list[dict]) -> str:
    """A face VAE's test-partition figures against its goals, and the four goal attributes' default edits."""
    m, t = card["metrics"], card["training"]
    goals = m.get("goals", {})
    line = (f"- `{card['id']}` ({card['latent_dim']}-D, {t['epochs_run']} epochs / {t['wall_time_s'] / 60:.1f} min "
            f"on CPU), on the {m['heldout_faces']:,} CelebA test faces: reconstruction MSE "
            f"{m['reconstruction_mse']:.4f} (goal ≤ {goals.get('reconstruction_mse_max')}), judge agreement "
            f"{pct(m['judge_agreement'])} (goal ≥ {pct(goals.get('judge_agreement_min'))}; "
            + (f"read by `{m['judge']}`; " if m.get("judge") else "") +
            f"{pct(m['judge_agreement_at_0.5'])} with every threshold at 0.5)")
    shown = slider_edits(m.get("attribute_edits", {}))
    if shown:
        line += ("; the sliders' edits (core.measured_edits: the method that won on validation faces), on the test "
                 "faces, success / other readings kept (those the edit does not entail) against each goal: "
                 + ", ".join(shown))
    return line + "."


def slider_edits(edits: dict) -> list[str]:
    """The goal attributes' slider edits as the pages quote them (Male both ways), each with its goals and whether
    the card finds every goal met, confounder flips against their real-photo ceilings included."""
    out = []
    for name in edits.get("goals", {}).get("attributes", []):
        for direction in (ADD, REMOVE) if name == "Male" else (ADD,):
            chosen = choose(edits, name, direction)
            if chosen is None or not chosen.test:
                continue
            scores, goals = chosen.test["plain"], ATTRIBUTE_GOALS.get(name, EDIT_GOALS)
            kept = scores.get("kept_independent", scores.get("kept"))
            out.append(f"{name}{' removed' if direction == REMOVE else ''} {pct(scores['success'])} / {pct(kept)} "
                       f"(≥ {pct(goals['success_min'])} / ≥ {pct(goals['kept_min'])}: "
                       f"{'met' if chosen.test['goal_met'] else 'NO'})")
    return out
