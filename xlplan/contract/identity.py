"""The hidden identity of a return template, and the keyed hash of its locked content.

Every template carries a very hidden sheet (`layout.IDENTITY_SHEET`) of `field | value` rows:
format, template_id, plan_identity (organisation+plan+year), plan_fingerprint (plan content),
plan, organisation, service, period, issued_at, xlplan_version, content_hash, and one `row` entry
per locked data row: `row | <sheet>|<Code or Ref>|<excel row>|<row digest>`.

Digests are HMAC-SHA256 with the officer's secret key, so a manager cannot forge them: collect
recomputes them from the cells it reads back and so tells a genuine return from a stale, foreign
or tampered one, and which rows were edited, deleted, inserted or moved (rows are matched by
Code/Ref, never by position). Values are canonicalised so that a LibreOffice or Excel re-save
(which rewrites numbers and XML) does not change them. Formula columns are never hashed.

The key comes from the environment variable XLPLAN_SECRET, else from `.xlplan-key` beside the
plan workbook (created on first use, readable only by its owner).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

FORMAT = "xlplan-return/1"
KEY_FILE = ".xlplan-key"
FIELDS = ("format", "template_id", "plan_identity", "plan_fingerprint", "plan", "organisation", "service",
          "period", "issued_at", "xlplan_version", "content_hash")


def load_key(plan_path: str | Path) -> bytes:
    """The secret for keyed hashes: $XLPLAN_SECRET, or `.xlplan-key` beside the plan (made if absent)."""
    env = os.environ.get("XLPLAN_SECRET")
    if env:
        return env.encode()
    path = Path(plan_path).resolve().parent / KEY_FILE
    if not path.exists():
        path.write_text(secrets.token_hex(32) + "\n")
        try:
            path.chmod(0o600)
        except OSError:
            pass
    return path.read_text().strip().encode()


def canonical(value: object) -> str:
    """A cell value as text that survives a re-save: numbers to 10 significant digits, no trailing
    spaces, blanks as ''."""
    kind = type(value)
    if kind is str:                      # the common cases first, exactly as below
        return value.strip()
    if kind is float:
        return _float_text(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return _float_text(float(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _float_text(x: float) -> str:
    if x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return format(x, ".10g")


def row_digest(key: bytes, sheet: str, row_key: str, cells: list[object]) -> str:
    """HMAC of one locked row (its locked cells in header order), 16 hex characters."""
    texts = [c.strip() if type(c) is str else _float_text(c) if type(c) is float else canonical(c) for c in cells]
    inner, outer = _hmac_pads(key)
    inner = inner.copy()
    inner.update("\x1f".join([sheet, row_key, *texts]).encode())
    outer = outer.copy()
    outer.update(inner.digest())
    return outer.hexdigest()[:16]


_IPAD, _OPAD = bytes(x ^ 0x36 for x in range(256)), bytes(x ^ 0x5C for x in range(256))


@functools.lru_cache(maxsize=8)
def _hmac_pads(key: bytes):
    """HMAC-SHA256 (RFC 2104) with the key's two padded blocks hashed once, not for every row
    (hmac.digest(key, msg, "sha256") sets them up on each call): (inner, outer) hash states."""
    if len(key) > 64:
        key = hashlib.sha256(key).digest()
    key = key.ljust(64, b"\0")
    return hashlib.sha256(key.translate(_IPAD)), hashlib.sha256(key.translate(_OPAD))


def content_hash(key: bytes, identity: dict[str, str], headers: dict[str, list[str]],
                 rows: list["RowEntry"]) -> str:
    """HMAC over the identity fields, each sheet's header row and every row entry."""
    parts = [f"{k}={identity.get(k, '')}" for k in FIELDS if k != "content_hash"]
    parts += [f"{sheet}:" + "\x1f".join(h) for sheet, h in sorted(headers.items())]
    parts += [r.encode() for r in rows]
    return hmac.new(key, "\x1e".join(parts).encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class RowEntry:
    sheet: str
    key: str        # Code or Ref
    row: int        # 1-based Excel row where the template put it
    digest: str

    def encode(self) -> str:
        return f"{self.sheet}|{self.key}|{self.row}|{self.digest}"

    @classmethod
    def decode(cls, text: str) -> "RowEntry":
        """Inverse of encode; a Code may itself contain '|', so split the sheet off the left and the
        row and digest off the right. Raises ValueError for a malformed entry."""
        sheet, rest = str(text).split("|", 1)
        key, row, digest = rest.rsplit("|", 2)
        return cls(sheet, key, int(row), digest)


@dataclass
class Identity:
    """What the identity sheet says."""

    fields: dict[str, str] = field(default_factory=dict)
    rows: list[RowEntry] = field(default_factory=list)

    def __getitem__(self, name: str) -> str:
        return self.fields.get(name, "")

    def to_rows(self) -> list[tuple[str, str]]:
        """(field, value) rows for writing the sheet: the fields, then one `row` line per data row."""
        return [(k, self.fields.get(k, "")) for k in FIELDS] + [("row", r.encode()) for r in self.rows]

    @classmethod
    def from_rows(cls, rows: list[tuple[object, object]]) -> "Identity":
        ident = cls()
        for name, value in rows:
            name = canonical(name)
            if name == "row":
                try:
                    ident.rows.append(RowEntry.decode(canonical(value)))
                except ValueError:
                    continue
            elif name:
                ident.fields[name] = canonical(value)
        return ident
