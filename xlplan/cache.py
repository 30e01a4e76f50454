"""Results worth keeping between runs, signed so that only xlplan's own can be read back.

An officer re-runs commands many times a day with the same plan and mostly the same returns; what
was worked out from the same input bytes by the same code is kept in `.xlplan-cache/` beside the
plan workbook (next to `.xlplan-key`) and reused. Entries are pickles, so each is signed with
HMAC-SHA256 under the officer's key (`identity.load_key`): a file that is truncated, edited, or was
written with another key or another version of xlplan is ignored (and the work done again), never
unpickled. Names are derived from the inputs by the callers (`entry_name`), so a changed input
simply misses. The cache is an optimisation only: any failure to read or write it is ignored.

Set XLPLAN_NO_CACHE=1 to neither read nor write it.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
import pickle
import sys
import tempfile
from pathlib import Path

FOLDER = ".xlplan-cache"
_DIGEST = 32                     # bytes of HMAC-SHA256 before the pickle


def enabled() -> bool:
    return os.environ.get("XLPLAN_NO_CACHE", "").strip() in ("", "0")


def folder_for(plan_path: str | Path) -> Path:
    """The cache folder of the plan workbook at `plan_path`."""
    return Path(plan_path).resolve().parent / FOLDER


@functools.lru_cache(maxsize=1)
def code_version() -> str:
    """A hash of xlplan's own source and the Python version: what is cached by one version of the
    code is never read by another (whose results might differ)."""
    return sources_digest(os.path.dirname(os.path.realpath(__file__)))


def sources_digest(root: str) -> str:
    """A hash of the Python version and every .py file below `root`: each one's path there and
    its bytes, in path order."""
    found = []                    # each source's path below root, as its parts (sorted as Paths sort)
    for folder, _, files in os.walk(root):     # os.walk and open: half the time of rglob and read_bytes
        below = os.path.relpath(folder, root)
        parts = () if below == os.curdir else tuple(below.split(os.sep))
        found += [(*parts, name) for name in files if name.endswith(".py")]
    h = hashlib.sha256(sys.version.encode())
    for parts in sorted(found):
        h.update(os.sep.join(parts).encode() + b"\0")
        with open(os.path.join(root, *parts), "rb") as fh:
            h.update(fh.read())
    return h.hexdigest()[:16]


def entry_name(kind: str, *parts: str | bytes) -> str:
    """A file name for an entry of `kind` made from `parts` (the inputs it was worked out from) and
    the code version."""
    h = hashlib.sha256(code_version().encode())
    for part in parts:
        data = part if isinstance(part, bytes) else part.encode("utf-8", "surrogatepass")
        h.update(len(data).to_bytes(8, "little") + data)
    return f"{kind}-{h.hexdigest()[:40]}.pickle"


class SignedCache:
    """Signed pickles in `folder`, under `key`."""

    def __init__(self, folder: str | Path, key: bytes) -> None:
        self.folder, self.key = Path(folder), key

    def get(self, name: str) -> object | None:
        """The value stored as `name`, or None when absent, unsigned or unreadable."""
        if not enabled():
            return None
        try:
            data = (self.folder / name).read_bytes()
        except OSError:
            return None
        return self.loads(data)

    def loads(self, data: bytes) -> object | None:
        """The value of a signed entry's bytes (as `dumps` made them), or None when unsigned."""
        sig, body = data[:_DIGEST], data[_DIGEST:]
        if len(sig) != _DIGEST or not hmac.compare_digest(sig, hmac.digest(self.key, body, "sha256")):
            return None
        try:
            return pickle.loads(body)
        except Exception:  # noqa: BLE001 - signed by us but unreadable (another Python): just a miss
            return None

    def dumps(self, value: object) -> bytes:
        body = pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
        return hmac.digest(self.key, body, "sha256") + body

    def put(self, name: str, value: object) -> bool:
        """Store `value` as `name` (atomically: a reader sees the old entry or the new, never half
        of one). False if it could not be written."""
        return self.put_bytes(name, self.dumps(value)) if enabled() else False

    def put_bytes(self, name: str, data: bytes) -> bool:
        """Store an entry `dumps` made (e.g. in a worker process)."""
        if not enabled():
            return False
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=self.folder)
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data)
                os.replace(tmp, self.folder / name)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError:
            return False
        return True

    def prune(self, kind: str, keep: set[str]) -> int:
        """Delete the entries of `kind` not named in `keep`; how many went."""
        gone = 0
        try:
            entries = list(self.folder.glob(f"{kind}-*.pickle"))
        except OSError:
            return 0
        for path in entries:
            if path.name not in keep:
                try:
                    path.unlink()
                    gone += 1
                except OSError:
                    pass
        return gone
