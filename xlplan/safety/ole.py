"""Read the directory of an OLE2 compound file (the pre-2007 Office container), boundedly.

Two kinds of file reach collect in this container: a legacy Excel 97-2003 `.xls` (a `Workbook`
or `Book` stream) and a password-protected modern workbook, which Excel saves as an OLE2 file
holding `EncryptionInfo` and `EncryptedPackage` streams whatever the file is named. Telling them
apart needs only the stream names, so this reads the header, the FAT sectors it lists and the
directory chain, never stream contents. Every loop is capped and every sector number checked, so
a damaged or hostile file costs at most a few thousand sector reads.

Format: [MS-CFB] (header 512 bytes; sector n starts at (n + 1) × sector size).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from enum import Enum

MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
FREESECT, ENDOFCHAIN = 0xFFFFFFFF, 0xFFFFFFFE
MAX_SECTORS = 20_000           # FAT + DIFAT + directory sectors read at most
MAX_ENTRIES = 10_000           # directory entries read at most


class OleProblem(ValueError):
    """The compound file cannot be read; `truncated` when it ends before a sector it points to."""

    def __init__(self, reason: str, truncated: bool = False) -> None:
        super().__init__(reason)
        self.truncated = truncated


class OleKind(Enum):
    """What an OLE2 compound file holds, told by its stream names."""

    ENCRYPTED = "encrypted"     # a password-protected modern workbook (EncryptionInfo, EncryptedPackage)
    XLS = "xls"                 # a legacy Excel 97-2003 workbook (Workbook or Book)
    WORD = "word"
    POWERPOINT = "powerpoint"
    OTHER = "other"


@dataclass(frozen=True)
class OleDirectory:
    names: tuple[str, ...]     # storage and stream names, in directory order (Root Entry excluded)

    def has(self, *names: str) -> bool:
        wanted = {n.lower() for n in names}
        return any(n.lower() in wanted for n in self.names)

    @property
    def kind(self) -> OleKind:
        if self.has("EncryptedPackage", "EncryptionInfo"):
            return OleKind.ENCRYPTED
        if self.has("Workbook", "Book"):
            return OleKind.XLS
        if self.has("WordDocument"):
            return OleKind.WORD
        if self.has("PowerPoint Document"):
            return OleKind.POWERPOINT
        return OleKind.OTHER


def read_directory(data: bytes) -> OleDirectory:
    """The stream/storage names of the compound file in `data`. Raises OleProblem."""
    if len(data) < 512 or data[:8] != MAGIC:
        raise OleProblem("the file is shorter than an OLE2 header", truncated=data[:8] == MAGIC)
    major, byte_order, shift = struct.unpack_from("<HHH", data, 0x1A)
    if byte_order != 0xFFFE or shift not in (9, 12):
        raise OleProblem("the OLE2 header is damaged")
    size = 1 << shift
    n_fat, first_dir = struct.unpack_from("<II", data, 0x2C)
    first_difat, n_difat = struct.unpack_from("<II", data, 0x44)
    if n_fat > MAX_SECTORS or n_difat > MAX_SECTORS:
        raise OleProblem("the OLE2 header claims an impossible number of sectors")

    def sector(n: int) -> bytes:
        start = (n + 1) * size
        if n >= 0xFFFFFFFA or start + size > len(data):
            # The last sector of a real file may be short only if it is the final one.
            if n < 0xFFFFFFFA and start < len(data):
                return data[start:].ljust(size, b"\0")
            raise OleProblem(f"sector {n} is beyond the end of the file", truncated=n < 0xFFFFFFFA)
        return data[start:start + size]

    fat_sectors = [s for s in struct.unpack_from("<109I", data, 0x4C) if s != FREESECT][:n_fat]
    nxt, seen = first_difat, 0
    per = size // 4 - 1
    while nxt not in (ENDOFCHAIN, FREESECT) and len(fat_sectors) < n_fat:
        seen += 1
        if seen > MAX_SECTORS:
            raise OleProblem("the OLE2 sector table loops")
        words = struct.unpack(f"<{per + 1}I", sector(nxt))
        fat_sectors += [s for s in words[:per] if s != FREESECT]
        nxt = words[per]
    fat: list[int] = []
    for s in fat_sectors[:n_fat]:
        fat.extend(struct.unpack(f"<{size // 4}I", sector(s)))

    names: list[str] = []
    cur, visited = first_dir, set()
    while cur != ENDOFCHAIN:
        if cur in visited or len(visited) > MAX_SECTORS:
            raise OleProblem("the OLE2 directory chain loops")
        visited.add(cur)
        block = sector(cur)
        for off in range(0, size, 128):
            entry = block[off:off + 128]
            length = struct.unpack_from("<H", entry, 64)[0]
            kind = entry[66]
            if kind in (1, 2) and 2 <= length <= 64:
                names.append(entry[:length - 2].decode("utf-16-le", errors="replace"))
            if len(names) > MAX_ENTRIES:
                raise OleProblem("the OLE2 directory is impossibly large")
        if cur >= len(fat):
            raise OleProblem("the OLE2 directory points outside the sector table", truncated=True)
        cur = fat[cur]
        if cur == FREESECT:
            break
    return OleDirectory(tuple(names))


def build_compound_file(streams: dict[str, bytes]) -> bytes:
    """A minimal valid OLE2 file (512-byte sectors) holding `streams` at the root.

    Used by the tests to build legacy-.xls-like and encrypted-workbook-like containers; streams
    shorter than 4096 bytes are padded to 4096 so that they live in ordinary sectors (no mini
    stream is needed). At most 3 streams (one directory sector).
    """
    size = 512
    names = list(streams)[:3]
    bodies = [streams[n].ljust(4096, b"\0") for n in names]
    data_sectors = [len(b) // size + (len(b) % size > 0) for b in bodies]
    # sector 0: FAT, sector 1: directory, then each stream's sectors in turn
    fat = [0xFFFFFFFD, ENDOFCHAIN]
    starts = []
    for count in data_sectors:
        start = len(fat)
        starts.append(start)
        fat += [start + i + 1 for i in range(count - 1)] + [ENDOFCHAIN]
    if len(fat) > size // 4:
        raise ValueError("streams too large for the one-FAT-sector builder")
    fat += [FREESECT] * (size // 4 - len(fat))

    def entry(name: str, kind: int, start: int, length: int, child: int = FREESECT,
              right: int = FREESECT) -> bytes:
        raw = name.encode("utf-16-le") + b"\0\0"
        out = raw.ljust(64, b"\0") + struct.pack("<HBB", len(raw), kind, 1)
        out += struct.pack("<III", FREESECT, right, child) + b"\0" * 16 + b"\0" * 4 + b"\0" * 16
        out += struct.pack("<IQ", start, length)
        return out.ljust(128, b"\0")

    entries = [entry("Root Entry", 5, ENDOFCHAIN, 0, child=1 if names else FREESECT)]
    for i, (name, body) in enumerate(zip(names, bodies)):
        right = i + 2 if i + 1 < len(names) else FREESECT
        entries.append(entry(name, 2, starts[i], len(body), right=right))
    directory = b"".join(entries).ljust(size, b"\0")

    header = bytearray(512)
    header[:8] = MAGIC
    struct.pack_into("<HHHHH", header, 0x18, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIIII", header, 0x28, 0, 1, 1, 0, 4096, ENDOFCHAIN, 0, ENDOFCHAIN, 0)
    struct.pack_into("<I", header, 0x4C, 0)
    for i in range(1, 109):
        struct.pack_into("<I", header, 0x4C + 4 * i, FREESECT)
    fat_bytes = struct.pack(f"<{size // 4}I", *fat)
    return bytes(header) + fat_bytes + directory + b"".join(bodies)
