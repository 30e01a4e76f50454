"""Outlook's saved emails (`.msg`, dragged from Outlook into a folder): an OLE compound file laid out
as [MS-OXMSG] says. What collect needs of one is what `emailed` takes from an `.eml`: the
spreadsheets attached (those of an email attached to it too, such as a forwarded reply) and when it
was sent. Read with olefile, which parses the compound file; nothing in it is run or rendered."""

from __future__ import annotations

import struct
from typing import Callable

ATTACHMENT = "__attach_version1.0_#"        # an attachment's storage, numbered in hex
PROPERTIES = "__properties_version1.0"      # the fixed-size properties of the message
DATA = "__substg1.0_37010102"               # PR_ATTACH_DATA_BIN: the attached file's bytes
EMBEDDED = "__substg1.0_3701000D"           # PR_ATTACH_DATA_OBJ: an attached email, as a storage
NAMES = ("3707", "3704", "3001")            # PR_ATTACH_LONG_FILENAME, PR_ATTACH_FILENAME, PR_DISPLAY_NAME
SENT = (0x0039, 0x0E06)                     # PR_CLIENT_SUBMIT_TIME, else PR_MESSAGE_DELIVERY_TIME
PT_SYSTIME = 0x0040
TOP_HEADER = 32                             # bytes before the properties of the message itself
MAX_DEPTH = 4                               # emails attached within emails, at most
# the text a link to the return may be in: PR_BODY (Unicode, code page), PR_HTML, and an attachment's
# PR_ATTACH_LONG_PATHNAME (the address of an Outlook "share link" attachment, which holds no file)
TEXT = {"__substg1.0_1000001f": "utf-16-le", "__substg1.0_1000001e": "cp1252", "__substg1.0_10130102": "utf-8",
        "__substg1.0_370d001f": "utf-16-le", "__substg1.0_370d001e": "cp1252"}
MAX_TEXT = 1 << 20                          # characters of each read for links, at most


def msg_attachments(data: bytes, wanted: Callable[[str], bool],
                    limit: int) -> tuple[float | None, list[tuple[str, bytes]], str]:
    """(when the email was sent, as a timestamp or None; the attachments whose file name is
    `wanted`, as (name, bytes), at most `limit` bytes in all; its text, where a link may be).
    Raises for a file that is not an Outlook email (olefile's errors, ValueError)."""
    import io

    import olefile
    with olefile.OleFileIO(io.BytesIO(data)) as ole:     # (given bytes, olefile takes short ones for a path)
        entries = {tuple(n.lower() for n in p): p for p in ole.listdir(streams=True, storages=True)}
        found: list[tuple[str, bytes]] = []
        _attachments(ole, entries, (), wanted, limit, found, 0)
        props = entries.get((PROPERTIES,))
        sent = _sent(ole.openstream(props).read(1 << 16)) if props else None
        text = "\n".join(ole.openstream(p).read(MAX_TEXT * 2).decode(TEXT[k[-1]], "replace")
                         for k, p in entries.items() if k[-1] in TEXT and len(k) <= 2 * MAX_DEPTH + 2)
    return sent, found, text


def _attachments(ole, entries: dict, prefix: tuple, wanted, limit: int, found: list, depth: int) -> None:
    """The wanted attachments of the message stored under `prefix`, and of emails attached to it."""
    for key in sorted(k for k in entries if len(k) == len(prefix) + 1 and k[:-1] == prefix
                      and k[-1].startswith(ATTACHMENT)):
        data = entries.get((*key, DATA.lower()))
        name = _name(ole, entries, key)
        if data is not None and name and wanted(name):
            size = ole.get_size(data)
            if size + sum(len(d) for _, d in found) > limit:
                raise ValueError("the attachments are larger than an email can hold")
            found.append((name, ole.openstream(data).read()))
        elif (*key, EMBEDDED.lower()) in entries and depth < MAX_DEPTH:
            _attachments(ole, entries, (*key, EMBEDDED.lower()), wanted, limit, found, depth + 1)


def _name(ole, entries: dict, attachment: tuple) -> str:
    """An attachment's file name: its long name, else its short name, else its display name; each
    as Unicode (…001F) or in the sender's code page (…001E)."""
    for prop in NAMES:
        for kind, codec in (("001f", "utf-16-le"), ("001e", "cp1252")):
            stream = entries.get((*attachment, f"__substg1.0_{prop}{kind}"))
            if stream is not None and ole.get_size(stream) <= 4096:
                text = ole.openstream(stream).read().decode(codec, "replace").split("\x00", 1)[0].strip()
                if text:
                    return text
    return ""


def _sent(properties: bytes) -> float | None:
    """When the message was sent (else delivered), from its properties stream, as a timestamp;
    None without one between 2000 and 2100."""
    times = {}
    for at in range(TOP_HEADER, len(properties) - 15, 16):
        tag, = struct.unpack_from("<I", properties, at)
        if tag & 0xFFFF == PT_SYSTIME and tag >> 16 in SENT:
            filetime, = struct.unpack_from("<Q", properties, at + 8)
            times[tag >> 16] = filetime / 10_000_000 - 11_644_473_600       # 100 ns since 1601
    for prop in SENT:
        when = times.get(prop)
        if when is not None and 946_684_800 <= when < 4_133_980_800:         # 2000 to 2100, as emailed._sent
            return when
    return None
