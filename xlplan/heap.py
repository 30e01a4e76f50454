"""Python's cyclic garbage collector around bulk work: the one place xlplan pauses or freezes it.

Reading a national plan, loading a quarter's results, collecting returns and writing templates or
reports build hundreds of thousands of lasting objects and few or no garbage cycles; the cyclic
collector would scan them all again and again, and in forked workers its scans write to every
object's header, which copies the parent's pages into each worker. Reference counting frees
everything as usual meanwhile. Every caller goes through `collector`, so restoring the state
afterwards (and unfreezing only what the outermost block froze) is decided here alone.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator


_FREEZING = [0]       # blocks of `collector(freeze=True)` running now (gc.get_freeze_count walks them all)


@contextmanager
def collector(*, running: bool | None = None, freeze: bool = False) -> Iterator[bool]:
    """Run the block with the cyclic collector running (True), paused (False) or as it is (None),
    and put it back as it was after; yields whether it was running when the block began.

    With `freeze`, everything that exists now is left out of the collector's scans during the
    block, and out of those of workers forked meanwhile. gc.unfreeze releases every frozen object
    at once, so a block nested in another that froze leaves the unfreezing to the outer one."""
    enabled = gc.isenabled()
    if running is True:
        gc.enable()
    elif running is False:
        gc.disable()
    unfreeze = freeze and not _FREEZING[0] and gc.get_freeze_count() == 0
    if freeze:
        gc.freeze()
        _FREEZING[0] += 1
    try:
        yield enabled
    finally:
        if freeze:
            _FREEZING[0] -= 1
        if unfreeze:
            gc.unfreeze()
        if running is not None and gc.isenabled() != enabled:
            (gc.enable if enabled else gc.disable)()


@contextmanager
def lasting() -> Iterator[None]:
    """Run the block with the collector paused, then move every object there is into the
    collector's oldest generation unscanned, as if it had survived the young generations' scans.

    For a block that builds what lasts as long as the command (a command's modules, a plan from
    the cache): tens of thousands of objects, which the collector would otherwise scan in its young
    generations as they fill, finding nothing (a quarter of a small collect's start-up). They stay
    in the oldest generation's full collections; inside a block that froze, they stay frozen with
    the rest until that block ends."""
    with collector(running=False):
        yield
        frozen = _FREEZING[0] > 0 or gc.get_freeze_count() > 0      # (the count walks what is frozen)
        gc.freeze()             # every generation, appended to the frozen objects ...
        if not frozen:
            gc.unfreeze()       # ... and those put back as the oldest generation


def cycles_paused(freeze: bool = False):
    """The collector paused for the block (and everything that exists now frozen, with `freeze`):
    `collector(running=False, freeze=freeze)`, as the plan reader, the plan cache and the store's
    reader use it."""
    return collector(running=False, freeze=freeze)
