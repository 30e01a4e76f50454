"""Outlook `.msg` files for tests, written as Outlook lays them out ([MS-OXMSG]) in an OLE compound
file ([MS-CFB], version 3: 512-byte sectors, streams under 4,096 bytes in the mini stream). No
Python library writes them; this writer does what the specification says, and olefile (which
collect reads them with) checks the layout as it parses."""

from __future__ import annotations

import struct
from datetime import datetime, timezone

FREE, END, FAT_SECTOR, NONE = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
SECTOR, MINI, CUTOFF = 512, 64, 4096


def msg_bytes(attachments: list[tuple[str, bytes]], sent: datetime | None = None, *,
              ansi_names: bool = False, embedded: list[tuple[str, bytes]] | None = None,
              body: str = "Please find our return attached.", shared: list[tuple[str, str]] = ()) -> bytes:
    """An email with `attachments` (file name → bytes), sent at `sent` (PR_CLIENT_SUBMIT_TIME), its
    names as Unicode (or, with `ansi_names`, in code page 1252), `embedded`: an email attached
    to it (a forwarded reply) whose own attachments these are, its `body` (PR_BODY), and `shared`:
    Outlook's "share link" attachments (file name, address), which hold no file."""
    return compound_file(_message(attachments, sent, ansi_names, embedded, top=True, body=body, shared=shared))


def _message(attachments, sent, ansi_names, embedded, top: bool, body: str = "", shared=()) -> dict:
    props = bytes(32 if top else 24)
    if sent is not None:
        filetime = int((sent.replace(tzinfo=sent.tzinfo or timezone.utc).timestamp() + 11_644_473_600) * 10_000_000)
        props += struct.pack("<IIQ", 0x00390040, 0x6, filetime)
    storage = {"__properties_version1.0": props,
               "__substg1.0_001A001F": "IPM.Note".encode("utf-16-le"),        # PR_MESSAGE_CLASS: an email
               "__substg1.0_0037001F": "RE: Q2 return".encode("utf-16-le"),   # PR_SUBJECT
               "__substg1.0_1000001F": body.encode("utf-16-le")}              # PR_BODY
    if top:
        storage["__nameid_version1.0"] = {"__substg1.0_00020102": b"", "__substg1.0_00030102": b"",
                                          "__substg1.0_00040102": b""}
    items = [(name, {"__substg1.0_37010102": data}) for name, data in attachments]
    for name, address in shared:       # ATTACH_BY_WEB_REFERENCE: the address, no file
        items.append((name, {"__substg1.0_370D001F": address.encode("utf-16-le")}))
    if embedded is not None:
        items.append(("", {"__substg1.0_3701000D": _message(embedded, None, ansi_names, None, top=False)}))
    for n, (name, parts) in enumerate(items):
        if name:
            key, text = ("001E", name.encode("cp1252")) if ansi_names else ("001F", name.encode("utf-16-le"))
            parts["__substg1.0_3707" + key] = text
            parts["__substg1.0_3704" + key] = text[:24]
        parts["__properties_version1.0"] = bytes(8) + struct.pack("<IIQ", 0x37050003, 0x6, 5 if not name else 1)
        storage[f"__attach_version1.0_#{n:08X}"] = parts
    return storage


def compound_file(root: dict) -> bytes:
    """An OLE compound file holding `root`: name → bytes (a stream) or dict (a storage)."""
    entries = []          # [name, type, data or None, child ids]

    def add(name: str, item) -> int:
        i = len(entries)
        entries.append([name, 1 if isinstance(item, dict) else 2, None if isinstance(item, dict) else item, []])
        if isinstance(item, dict):
            entries[i][3] = [add(k, v) for k, v in item.items()]
        return i

    entries.append(["Root Entry", 5, None, []])
    entries[0][3] = [add(k, v) for k, v in root.items()]

    mini, minifat, starts = bytearray(), [], {}
    for i, (_, kind, data, _) in enumerate(entries):
        if kind == 2 and 0 < len(data) < CUTOFF:
            starts[i] = len(mini) // MINI
            n = -(-len(data) // MINI)
            minifat += [*range(starts[i] + 1, starts[i] + n), END]
            mini += data + bytes(n * MINI - len(data))
    big = [(i, data) for i, (_, kind, data, _) in enumerate(entries) if kind == 2 and len(data) >= CUTOFF]
    dir_sectors = -(-len(entries) // 4)
    minifat_sectors = -(-len(minifat) * 4 // SECTOR)
    mini_sectors = -(-len(mini) // SECTOR)
    data_sectors = sum(-(-len(d) // SECTOR) for _, d in big)
    other = dir_sectors + minifat_sectors + mini_sectors + data_sectors
    fat_sectors = 1
    while fat_sectors * (SECTOR // 4) < fat_sectors + other:
        fat_sectors += 1
    assert fat_sectors <= 109, "too large for a header-only DIFAT"

    fat, body = [FAT_SECTOR] * fat_sectors, bytearray()

    def chain(data: bytes) -> int:
        n = -(-len(data) // SECTOR)
        first = len(fat)
        fat.extend([*range(first + 1, first + n), END])
        body.extend(data + bytes(n * SECTOR - len(data)))
        return first

    dir_start = len(fat)
    fat.extend([*range(dir_start + 1, dir_start + dir_sectors), END])
    body.extend(bytes(dir_sectors * SECTOR))          # the directory: filled in below
    minifat_start = chain(b"".join(struct.pack("<I", x) for x in minifat)) if minifat else END
    mini_start = chain(bytes(mini)) if mini else END
    for i, data in big:
        starts[i] = chain(data)
    fat.extend([FREE] * (fat_sectors * (SECTOR // 4) - len(fat)))

    def directory_entry(i: int) -> bytes:
        name, kind, data, children = entries[i]
        left, right = NONE, siblings.get(i, NONE)
        child = _ordered(entries, children)[0] if children else NONE
        encoded = (name + "\x00").encode("utf-16-le")
        if kind == 5:
            start, size = mini_start, len(mini)
        elif kind == 2:
            start, size = (starts[i], len(data)) if data else (END, 0)
        else:
            start, size = 0, 0
        return (encoded.ljust(64, b"\x00") + struct.pack("<HBB3I", len(encoded), kind, 1, left, right, child)
                + bytes(16) + bytes(4) + bytes(16) + struct.pack("<IQ", start, size))

    siblings: dict[int, int] = {}          # each storage's children: a chain of right siblings
    for _, _, _, children in entries:
        kids = _ordered(entries, children)
        siblings.update(zip(kids, kids[1:]))
    directory = b"".join(directory_entry(i) for i in range(len(entries)))
    directory += b"".join(b"\x00" * 64 + struct.pack("<HBB3I", 0, 0, 0, NONE, NONE, NONE) + bytes(52)
                          for _ in range(dir_sectors * 4 - len(entries)))
    body[0:len(directory)] = directory

    difat = list(range(fat_sectors)) + [FREE] * (109 - fat_sectors)
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(16)
              + struct.pack("<HHHHH6sIIIIIIIII", 0x3E, 3, 0xFFFE, 9, 6, bytes(6), 0, fat_sectors, dir_start, 0,
                            CUTOFF, minifat_start, minifat_sectors, END, 0)
              + struct.pack("<109I", *difat))
    fat_bytes = struct.pack(f"<{len(fat)}I", *fat)
    return header + fat_bytes + bytes(body)


def _ordered(entries: list, children: list[int]) -> list[int]:
    """Children in the order the specification compares names: shorter first, then by upper case."""
    return sorted(children, key=lambda k: (len(entries[k][0]), entries[k][0].upper()))
