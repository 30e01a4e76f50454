"""Telling a caller how far a long step has got: `progress(done, total, name)` after each item (a
return read, a template written, an email sent). The CLI draws it as a bar on a terminal."""

from __future__ import annotations

from typing import Callable, Iterable, Iterator, TypeVar

Progress = Callable[[int, int, str], None]
T = TypeVar("T")


def told(items: list[T], progress: Progress | None, name: Callable[[T], str] = str) -> Iterator[T]:
    """`items`, one by one; once each has been dealt with (the loop asks for the next),
    `progress(done, total, name(item))` is called."""
    for done, item in enumerate(items, 1):
        yield item
        if progress is not None:
            progress(done, len(items), name(item))


def told_of_results(results: Iterable[T], names: list[str], progress: Progress | None) -> list[T]:
    """`results` (one for each of `names`, in order, as each is made) as a list, with `progress`
    told of each once it is made."""
    out = []
    for result, name in zip(results, names):
        out.append(result)
        if progress is not None:
            progress(len(out), len(names), name)
    return out
