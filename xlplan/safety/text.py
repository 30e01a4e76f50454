"""Text typed into a return, made safe to store and show (used by xlplan/safety/inspection.py's callers).

`clean_comment` keeps what people write (right-to-left scripts, emoji with their joiners, accents,
line breaks) and takes out what only hides or disguises text (control characters, zero-width
spaces, bidirectional overrides, lone surrogates), capping the length with a flag for a warning.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from xlplan.contract.layout import COMMENT_MAX_CHARS

_DROP = {0x200B, 0x2060, 0xFEFF, 0x00AD, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068,
         0x2069, 0xFFF9, 0xFFFA, 0xFFFB}


@dataclass(frozen=True)
class CleanText:
    text: str
    original_length: int
    truncated: bool = False
    removed: int = 0                # control/invisible characters taken out


def clean_comment(raw: object, max_chars: int = COMMENT_MAX_CHARS) -> CleanText:
    """Text typed into a return, made safe to store and show.

    Takes out control characters (keeping line breaks and tabs), lone surrogates (which cannot be
    stored), zero-width spaces, soft hyphens and bidirectional override marks (which can make text display differently from what it holds);
    keeps right-to-left letters, emoji (with their joiners) and accents; normalises line endings;
    cuts text longer than `max_chars`, marking the cut with "…" and `truncated` so collect can warn.
    The text stays text: writers must still store it as a string, never as a formula.
    """
    if raw is None:
        return CleanText("", 0)
    s = str(raw).replace("\r\n", "\n").replace("\r", "\n")
    kept, removed = [], 0
    for ch in s:
        category = unicodedata.category(ch)
        if ord(ch) in _DROP or (category == "Cc" and ch not in "\n\t") or category == "Cs":
            removed += 1
            continue
        kept.append(ch)
    text = "".join(kept).strip()
    if len(text) > max_chars:
        return CleanText(text[:max_chars - 1].rstrip() + "…", len(s), truncated=True, removed=removed)
    return CleanText(text, len(s), removed=removed)
