"""Building the plan's many small frozen objects fast (issue #19: a plan of a thousand services has
50,000 measures, each with its Values).

A frozen dataclass's `__init__` sets each field through `object.__setattr__`, looked up by name;
`maker(cls)` gives a function that takes every field in order and sets each slot directly, giving
the same object `cls(*fields)` gives. It is only made for a frozen, slotted dataclass whose every
field is set by `__init__` and that has no `__post_init__` (so its `__init__` does nothing else);
for any other class it is the class itself."""

from __future__ import annotations

import dataclasses


def maker(cls):
    """A function `(*fields) -> cls(*fields)`, every field given in declaration order."""
    fields = dataclasses.fields(cls)
    params = getattr(cls, "__dataclass_params__", None)
    slots = cls.__dict__.get("__slots__", ())
    if params is None or not params.frozen or hasattr(cls, "__post_init__") \
            or any(not f.init or f.name not in slots for f in fields):
        return cls
    names = [f.name for f in fields]
    scope = {"new": object.__new__, "cls": cls, **{f"set_{n}": cls.__dict__[n].__set__ for n in names}}
    lines = [f"def make({', '.join(names)}):", "    self = new(cls)",
             *(f"    set_{n}(self, {n})" for n in names), "    return self"]
    exec("\n".join(lines), scope)       # noqa: S102 - the source is made from the class's own field names
    make = scope["make"]
    make.__doc__ = f"`{cls.__name__}(*fields)`, built slot by slot (xlplan.plan.make)."
    return make
