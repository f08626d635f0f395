"""Find a data set on disk: explicit path, then $LATENT_LAB_DATA, then the usual caches.

Every loader goes through `find_dataset` so that users see one consistent,
exact message about what to put where when nothing is found.
"""
from __future__ import annotations

import os
from pathlib import Path

ENV_VAR = "LATENT_LAB_DATA"


class DatasetNotFound(FileNotFoundError):
    """Raised when a data set is on none of the searched paths and cannot be downloaded."""


def data_root(path: str | os.PathLike | None = None) -> Path | None:
    """The folder holding all data sets: the argument, else $LATENT_LAB_DATA, else None."""
    if path is not None:
        return Path(path).expanduser()
    env = os.environ.get(ENV_VAR)
    return Path(env).expanduser() if env else None


def candidates(name: str, path: str | os.PathLike | None, caches: list[Path]) -> list[Path]:
    """Folders to try, most specific first.

    `path` may point at the data set's own folder (`.../mnist`) or at the root
    holding every data set (`.../data`); both are accepted.
    """
    found: list[Path] = []
    root = data_root(path)
    if root is not None:
        found += [root / name, root]
    found += caches
    return found


def not_found_message(name: str, expected: str, tried: list[Path], download_error: str | None) -> str:
    tried_lines = "\n".join(f"  - {p}" for p in tried) or "  (no folder given)"
    msg = (
        f"The {name} data set was not found.\n"
        f"Put {expected}\n"
        f"in a folder and point {ENV_VAR} at its parent, e.g.\n"
        f"  export {ENV_VAR}=/path/to/data   # holding {name}/...\n"
        f"or pass the folder explicitly (data_dir=... / --data ...).\n"
        f"Searched:\n{tried_lines}"
    )
    if download_error:
        msg += f"\nThe online download also failed: {download_error}"
    return msg
