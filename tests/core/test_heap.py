"""xlplan.heap.lasting: what a block builds to keep goes to the collector's oldest generation unscanned."""

from __future__ import annotations

import gc

from xlplan.heap import collector, lasting


class Kept:
    """An object the collector tracks (instances of a plain class are)."""


def test_what_a_lasting_block_builds_is_in_the_oldest_generation_and_the_collector_as_it_was():
    assert gc.isenabled()
    frozen = gc.get_freeze_count()
    with lasting():
        assert not gc.isenabled()
        kept = [Kept() for _ in range(10)]
    assert gc.isenabled() and gc.get_freeze_count() == frozen
    oldest = {id(o) for o in gc.get_objects(generation=2)}
    assert all(id(k) in oldest for k in kept)


def test_inside_a_frozen_block_what_it_builds_stays_frozen_until_that_block_ends():
    assert gc.get_freeze_count() == 0
    with collector(freeze=True):
        before = gc.get_freeze_count()
        with lasting():
            kept = Kept()
        assert gc.get_freeze_count() > before
    assert gc.get_freeze_count() == 0
    assert id(kept) in {id(o) for o in gc.get_objects(generation=2)}


def test_a_lasting_block_that_raises_leaves_the_collector_running():
    try:
        with lasting():
            raise ValueError
    except ValueError:
        pass
    assert gc.isenabled()
