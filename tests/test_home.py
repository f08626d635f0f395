"""Home, driven headless through Streamlit's AppTest: every model card with every figure it measured, read back
from the page and compared with the card, value by value; broken models reported; no TensorFlow.

Home's figures are the dashboard's claims, so a metric showing the wrong card's number, the wrong key
under a label, or a stale rounding must fail here, not just a count of metrics shown.
"""
from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import core  # noqa: E402
from core import registry  # noqa: E402
from conftest import HOME, APPTEST_TIMEOUT as TIMEOUT, assert_clean, open_page  # noqa: E402

SCATTER = "pages/1_Latent_scatter.py"

# Which card figure each label on Home stands for. The test's own table, so a label wired to the wrong key fails.
LABELS = {
    "−log p(x), IWAE": "neg_log_likelihood_iwae_nats",
    "−ELBO": "neg_elbo_nats",
    "KL to the prior": "kl_nats",
    "Reconstruction NLL": "reconstruction_nll_binarised_nats",
    "Reconstruction MSE": "reconstruction_mse",
    "Judge accuracy": "judge_accuracy_on_reconstructions",
    "Fréchet distance": "frechet_distance_samples",
    "Fréchet, each judge": "frechet_each_judge",
    "Precision, each judge": "precision_each_judge",
    "Recall, each judge": "recall_each_judge",
    "Smallest class share": "smallest_class_share",
    "Largest class share": "largest_class_share",
    "Label accuracy (samples)": "label_accuracy_prior_samples",
    "Style transfer accuracy": "style_transfer_label_accuracy",
    "Judge confidence": "mean_confidence",
}
# The sample count each figure's help names, when the card records it.
SAMPLES = {"frechet_distance_samples": "frechet_distance_samples_n",
           "label_accuracy_prior_samples": "label_accuracy_prior_samples_n"}
FACE_LABELS = {"Reconstruction MSE": "reconstruction_mse", "Judge agreement": "judge_agreement"}  # face cards


def home_metrics(name: str = "METRICS") -> list[tuple[str, str, str, str]]:
    """Home's METRICS (or FACE_METRICS) table (card key, label, format, meaning), read from its source: importing
    Home would run it."""
    tree = ast.parse(HOME.read_text())
    table = next(n.value for n in tree.body if isinstance(n, ast.Assign)
                 and any(isinstance(t, ast.Name) and t.id == name for t in n.targets))
    return ast.literal_eval(table)


def shown_number(text: str) -> tuple[float, float]:
    """'147.1 nats' -> (147.1, 0.05), '98.3%' -> (0.983, 0.0005), '1,234' -> (1234, 0.5): value and half its last digit."""
    match = re.fullmatch(r"(-?[\d,]+)(?:\.(\d+))?( nats|%)?", text)
    assert match, f"not a number as Home formats them: {text!r}"
    whole, decimals, unit = match.groups()
    value = float(whole.replace(",", "") + (f".{decimals}" if decimals else ""))
    half = 0.5 * 10.0 ** -len(decimals or "")
    return (value / 100, half / 100) if unit == "%" else (value, half)


def card_figures(card: dict) -> dict:
    """A card's figures as Home may show them: its metrics, and a GAN's mode coverage from its class shares (the
    smallest and largest share, which its psi = 1 truncation entry also records)."""
    metrics = dict(card.get("metrics", {}))
    shares = metrics.get("class_shares")
    if shares:
        metrics["smallest_class_share"], metrics["largest_class_share"] = min(shares), max(shares)
        plain = [p for p in metrics.get("truncation", []) if p["truncation"] == 1.0]
        for point in plain:
            assert (point["smallest_class_share"], point["largest_class_share"]) == (min(shares), max(shares))
    judges = sorted(metrics.get("sample_quality") or {})
    if len(judges) > 1:  # both judges measured the samples: their figures, first judge's first, stand in
        assert judges == ["mnist-judge", "mnist-judge-b"]
        del metrics["frechet_distance_samples"]
        for key in ("frechet_distance", "precision", "recall"):
            metrics[f"{key.split('_')[0]}_each_judge"] = [metrics["sample_quality"][j][key] for j in judges]
    return metrics


def each_judge_text(values: list[float], key: str) -> str:
    """How Home writes one figure of both judges: 'first · second', three significant figures for a Fréchet distance
    (hundreds in one judge's features, tenths in the other's), two decimals for a share."""
    if key == "frechet_each_judge":
        return " · ".join(f"{v:,.0f}" if v >= 100 else f"{v:.3g}" for v in values)
    return " · ".join(f"{v:.2f}" for v in values)


def helped(key: str, meaning: str, metrics: dict) -> str:
    n = metrics.get(SAMPLES.get(key, ""))
    return meaning + (f" Measured with {n:,} samples." if isinstance(n, int) else "")


def card_blocks(at) -> list:
    """Home's model cards in page order: the top-level containers that hold a subheader."""
    return [b for b in at.main.children.values() if hasattr(b, "subheader") and len(b.subheader)]


def test_home_does_not_import_tensorflow():
    """Home must appear at once, so neither it nor ui.py may pull in TensorFlow; checked in a fresh interpreter."""
    script = (f"import sys\nfrom streamlit.testing.v1 import AppTest\n"
              f"at = AppTest.from_file({str(HOME)!r}, default_timeout={TIMEOUT}).run()\n"
              f"assert not at.exception, at.exception\n"
              f"assert at.title[0].value == 'Latent Lab'\n"
              f"print(sorted(m for m in ('tensorflow', 'keras') if m in sys.modules))\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_label_table_covers_home():
    """Every figure Home can show is in LABELS under the same label, and the number parser reads every format."""
    assert {label: key for key, label, _, _ in home_metrics("FACE_METRICS")} == FACE_LABELS
    table = home_metrics()
    assert {label: key for key, label, _, _ in table} == LABELS
    for _, _, fmt, _ in table + home_metrics("FACE_METRICS"):
        value, half = shown_number(fmt.format(1234.5678))
        assert abs(value - 1234.5678) <= half


def test_home_shows_every_model_card_with_its_metrics_and_links(shipped_pretrained):
    """Each card, in page order, shows exactly its measured figures: label, value as the card formats it
    (and numerically the card's number to the digits shown), and meaning; plus its links."""
    cards = [c for c in core.list_models() if "error" not in c]
    assert cards, "no shipped generative models to check"
    at = open_page()
    assert_clean(at)
    by_title = {c["title"]: c for c in cards}
    blocks = card_blocks(at)
    titles = [b.subheader[0].value for b in blocks]
    assert titles == [c["title"] for c in sorted(cards, key=lambda c: c["latent_dim"])]
    for block, title in zip(blocks, titles):
        metrics = card_figures(by_title[title])
        faces = by_title[title]["dataset"]["name"] == "celeba"
        table, labels = (home_metrics("FACE_METRICS"), FACE_LABELS) if faces else (home_metrics(), LABELS)
        expected = [(label, each_judge_text(metrics[key], key) if isinstance(metrics[key], list)
                     else fmt.format(metrics[key]), helped(key, meaning, metrics))
                    for key, label, fmt, meaning in table if key in metrics]
        shown = [(m.label, m.value, m.help) for m in block.metric]
        assert shown == expected, title
        assert {labels[label] for label, _, _ in shown} == set(metrics) & set(labels.values()), title
        for label, value, _ in shown:
            card_values = metrics[labels[label]]
            for part, card_value in zip(value.split(" · "), card_values if isinstance(card_values, list)
                                        else [card_values], strict=True):
                number, half = shown_number(part)
                assert abs(number - card_value) <= half * (1 + 1e-9), (title, label, value)
    assert len(at.metric) == sum(len(b.metric) for b in blocks) > 0  # no figure outside a card, and some shown
    links = {(link.proto.label, link.proto.query_string) for link in at.get("page_link")}
    for card in cards:
        if card["dataset"]["name"] == "celeba":
            assert ("Face editing", f"model={card['id']}") in links
            continue
        generator = not card["files"].get("encoder")  # a GAN: its own page and the grid, no scatter to show
        assert (("Latent scatter", f"model={card['id']}") in links) != generator
        assert (("GAN samples", f"model={card['id']}") in links) == generator
        assert ("Decoded grid", f"model={card['id']}") in links


def test_home_gan_cards_show_mode_coverage_and_training_without_a_validation_split(shipped_pretrained):
    """A GAN's card: its Fréchet distance with the sample count, the smallest and largest class share (and the
    conditional GAN's label accuracy), fixed epochs with no best one, and links to the pages that serve it."""
    gans = [c for c in core.list_models() if "error" not in c and not c.get("files", {}).get("encoder")]
    if not gans:
        pytest.skip("no shipped GAN")
    at = open_page()
    blocks = {b.subheader[0].value: b for b in card_blocks(at)}
    for card in gans:
        block, metrics = blocks[card["title"]], card["metrics"]
        shown = {m.label: (m.value, m.help) for m in block.metric}
        assert shown["Smallest class share"][0] == f"{min(metrics['class_shares']):.1%}"
        assert shown["Largest class share"][0] == f"{max(metrics['class_shares']):.1%}"
        value, meaning = shown["Fréchet, each judge"]
        assert value == each_judge_text([metrics["sample_quality"][j]["frechet_distance"]
                                         for j in ("mnist-judge", "mnist-judge-b")], "frechet_each_judge")
        assert ("Label accuracy (samples)" in shown) == card["conditional"]
        about = " ".join(m.value for m in block.markdown)
        assert "no validation split" in about and "(best" not in about
        assert f"{card['training']['epochs_run']} epoch" in about
        measured = next(c.value for c in block.caption if "held-out digits" in c.value)
        assert measured.startswith("Its samples, read by the judge, against the") and "Likelihoods" not in measured
    links = [link.proto.label for link in at.get("page_link") if link.proto.query_string == "model=mnist-dcgan"]
    assert links == ["Decoded grid", "GAN samples"]


def test_home_judge_note_quotes_the_judge_card(shipped_pretrained):
    """The judge line under the cards gives the judge card's accuracy and Fréchet floor."""
    judges = [c for c in core.list_models(kind="judge") if c["dataset"]["name"] == "mnist"]
    if not judges:
        pytest.skip("no shipped digit judge")
    at = open_page()
    for judge, opening in (("mnist-judge", "Judge figures use"), ("mnist-judge-b", "The second figure of each pair")):
        metrics = next(c for c in judges if c["id"] == judge)["metrics"]
        note = next(c.value for c in at.caption if c.value.startswith(opening))
        assert f"({metrics['heldout_accuracy']:.1%} accurate" in note
        floor = metrics["frechet_distance_real_train_vs_heldout"]
        assert (f"score a Fréchet distance of {floor:,.0f}" if floor >= 100 else f"{floor:.3g}") in note
        assert (f"precision {metrics['precision_real_train_vs_heldout']:.2f} and recall "
                f"{metrics['recall_real_train_vs_heldout']:.2f}:") in note


@pytest.fixture
def broken_pretrained(tmp_path, monkeypatch):
    """A pretrained folder with one model whose weights are missing and one whose card is not JSON."""
    root = tmp_path / "pretrained"
    card = {"id": "weightless", "title": "Weightless model", "kind": "generative", "family": "vae",
            "latent_dim": 2, "image_shape": [28, 28, 1], "num_classes": 10,
            "files": {"encoder": "encoder.keras", "decoder": "decoder.keras", "latents": "latents.npz"},
            "dataset": {"name": "mnist", "fit": 1, "validation": 1, "heldout": 1},
            "training": {"command": "python -m core.train weightless", "epochs_run": 1, "best_epoch": 1,
                         "wall_time_s": 1.0}, "metrics": {}}
    (root / "weightless").mkdir(parents=True)
    (root / "weightless" / "card.json").write_text(json.dumps(card))
    (root / "garbled").mkdir()
    (root / "garbled" / "card.json").write_text("{ not json")
    for model_id in ("weightless", "garbled"):
        registry.write_manifest_entry(model_id, root)
    monkeypatch.setenv(registry.PRETRAINED_ENV, str(root))
    return root


def test_home_reports_broken_models_and_pages_refuse_them(broken_pretrained):
    at = open_page()
    assert not at.exception
    assert any("garbled" in e.value and "damaged" in e.value for e in at.error)
    assert not at.metric
    assert any("Not evaluated yet" in c.value for c in at.caption)  # the weightless card has no figures
    at = open_page(SCATTER, model="weightless")
    assert not at.exception
    assert any("weightless" in e.value and "missing" in e.value for e in at.error)
    assert not at.get("vega_lite_chart")


def test_home_starts_the_tour_with_a_button(shipped_pretrained):
    """The tour's way in: a primary button above the page links, which opens the tour at its first step."""
    at = open_page()
    button = at.button(key="start_tour")
    assert button.label == "Start the tour" and button.proto.type == "primary"
    at = button.click().run()
    assert not at.exception, at.exception
    assert at.get("progress")[0].proto.text.startswith("Step 1 of ")
    assert at.query_params["step"] == "1"


def test_home_face_card_shows_every_slider_edit_against_its_goal_met_or_missed(shipped_pretrained):
    face = next((c for c in core.list_models() if c.get("dataset", {}).get("name") == "celeba" and "error" not in c),
                None)
    if face is None:
        pytest.skip("no shipped face model")
    from core.measured_edits import choose
    edits = face["metrics"]["attribute_edits"]
    note = next(c.value for c in open_page().caption if c.value.startswith("The sliders' edits against each"))
    for name, goal in edits["goals_by_attribute"]["attributes"].items():  # over the readings it does not entail
        for direction, suffix in (("add", ""), ("remove", " removed")) if name == "Male" else (("add", ""),):
            row = choose(edits, name, direction).test
            plain = row["plain"]
            assert (f"{name.replace('_', ' ')}{suffix} {plain['success']:.1%} / {plain['kept_independent']:.1%} "
                    f"(goal ≥ {goal['success_min']:.0%} / ≥ {goal['kept_min']:.0%}) "
                    + ("✓ met" if row["goal_met"] else "✗ missed")) in note


def test_home_face_card_shows_sharpness_against_its_goals_beside_real_faces_floor(shipped_pretrained):
    face = next((c for c in core.list_models() if c.get("dataset", {}).get("name") == "celeba" and "error" not in c),
                None)
    if face is None or "sharp_goals" not in face.get("metrics", {}):
        pytest.skip("no shipped face model with sharpness goals")
    m = face["metrics"]
    note = next(c.value for c in open_page().caption if c.value.startswith("Sharpness against its goals"))
    floor = registry.read_card(m["judge"])["metrics"]["frechet_distance_real_train_vs_heldout"]
    assert f"(real training faces against the test faces: {floor:.3g})" in note
    assert (f"reconstructions' Fréchet distance {m['frechet_distance_reconstructions']:.3g} (goal ≤ "
            f"{m['sharp_goals']['frechet_reconstructions_max']:g}) "
            + ("✓ met" if m["sharp_goals_met"]["frechet_reconstructions"] else "✗ missed")) in note
    assert note.count("✓ met") + note.count("✗ missed") == 4
    assert f"epoch {face['training']['sharpened']['chosen_epoch']} shipped" in note
