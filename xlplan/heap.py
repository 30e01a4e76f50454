"""Python's cyclic garbage collector around bulk work.

Reading a national plan, loading a quarter's results and collecting build hundreds of thousands of
lasting objects and no garbage cycles; the collector would scan them all again and again (a fifth
of a 50,000-measure plan read). Reference counting frees everything as usual meanwhile.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def cycles_paused(freeze: bool = False) -> Iterator[bool]:
    """Pause the cyclic collector for the block and restore it after; yields whether it was running.
    With `freeze`, everything that exists now is also left out of later scans (and out of the
    scans of workers forked meanwhile, which would otherwise copy those objects' pages)."""
    enabled = gc.isenabled()
    gc.disable()
    if freeze:
        gc.freeze()
    try:
        yield enabled
    finally:
        if freeze:
            gc.unfreeze()
        if enabled:
            gc.enable()
