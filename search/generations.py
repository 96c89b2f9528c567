"""Index folders kept as generations behind a ``current`` link (Whoosh and tantivy).

A rebuild writes a new ``index-*`` folder beside the served one and swaps the link atomically, so
searches keep reading the old index until the new one is complete.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def swap_generation(current: Path, generation: Path) -> None:
    """Point ``current`` at ``generation`` in one rename; drop all but the two newest generations.

    Searchers (of this or other processes) may still be reading the previous generation, and
    Whoosh opens some of its files lazily: it stays until the next swap.
    """
    directory = current.parent
    link = directory / f".current-{os.getpid()}-{time.monotonic_ns()}"
    link.symlink_to(generation.name)
    previous = current.resolve() if current.is_symlink() else None
    os.replace(link, current)
    keep = {generation.resolve(), previous}
    for old in directory.glob("index-*"):
        if old.resolve() not in keep:
            shutil.rmtree(old, ignore_errors=True)


@contextmanager
def building(current: Path, folder: Path) -> Iterator[Path]:
    """Fill ``folder`` (a ``building-*`` generation) in the block, then serve it; drop it on failure.

    Built under another name than ``index-*``, so that a swap elsewhere meanwhile never takes it for
    an old generation to delete.
    """
    try:
        yield folder
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    generation = folder.with_name(folder.name.replace("building-", "index-", 1))
    folder.rename(generation)
    swap_generation(current, generation)
