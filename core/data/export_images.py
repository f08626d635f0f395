"""Write items of a grey data set as a folder of PNG pictures with a labels.csv, the layout `core.train vae
--images` and `core.import_model --data` read: the README's worked example starts from one.

    python -m core.data.export_images fashion-mnist OUT [--count 10000] [--data PATH]

The first COUNT items of the training split, named NNNNN.png, labelled by class name. Never commit the output:
the pictures are the data set's, not the project's.
"""
from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

from PIL import Image

from . import DatasetNotFound, load_dataset
from .fashion_mnist import CLASS_NAMES as FASHION_NAMES
from .mnist import CLASS_NAMES as DIGIT_NAMES

NAMES = {"fashion-mnist": FASHION_NAMES, "mnist": DIGIT_NAMES}


def export_images(dataset: str, out, count: int = 10_000, data=None) -> Path:
    """Write the first `count` training items as out/NNNNN.png and out/labels.csv (file, label); returns out."""
    (x, y), _ = load_dataset(dataset, data, download=False)
    if not 0 < count <= len(x):
        raise ValueError(f"--count must lie in 1..{len(x)} (the {dataset} training split's size), not {count}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "labels.csv", "w", newline="") as f:
        rows = csv.writer(f)
        rows.writerow(["file", "label"])
        for i in range(count):
            name = f"{i:05d}.png"
            Image.fromarray(x[i]).save(out / name)
            rows.writerow([name, NAMES[dataset][int(y[i])]])
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m core.data.export_images", description=__doc__.split("\n")[0])
    p.add_argument("dataset", choices=sorted(NAMES))
    p.add_argument("out", type=Path, help="the folder to write (outside the repository)")
    p.add_argument("--count", type=int, default=10_000)
    p.add_argument("--data", help="data folder (default: $LATENT_LAB_DATA, then the usual caches)")
    a = p.parse_args(argv)
    try:
        out = export_images(a.dataset, a.out, a.count, a.data)
    except (DatasetNotFound, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(f"wrote {a.count} pictures and labels.csv to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
