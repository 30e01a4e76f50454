"""Returns that arrive as the email itself: a manager's reply saved (or dragged) into the returns
folder as an `.eml` file, or dragged from Outlook as an `.msg` (read in outlook.py). Each
spreadsheet attached to it is taken out into the archive beside the store (the returns folder is
never changed) and examined like a return saved from the email. It is shown as
`<email> › <attachment>` and counts as received when the email was sent (its Date).

An email with no spreadsheet attached, or one that cannot be read as an email, stays in the list
and is skipped, saying so (one that links to SharePoint or OneDrive: to download the return). The `email` package (olefile for an `.msg`) and safety's module (which
a collect leaves to its workers) are loaded only when the folder holds an email."""

from __future__ import annotations

import hashlib
import os
import re
from datetime import timezone
from pathlib import Path
from typing import Callable

EMAIL_SUFFIXES = {".eml", ".msg"}
MAX_EMAIL_BYTES = 80 * 2**20      # a return is at most 50 MB, and base64 in an email adds a third
FOLDER = "emailed"                # under the archive: archive/emailed/<email's sha256[:16]>/<attachment>
_UNSAFE = re.compile(r"[^\w .,()&'+-]")
# a link to a file on SharePoint or OneDrive (Outlook's "share link" in place of an attachment), by
# its host; the host's length bounded, so a body of "http://http://…" is searched in linear time
_LINK = re.compile(r"https?://[\w.-]{0,100}?(?:sharepoint|onedrive\.live\.com|1drv\.ms)", re.IGNORECASE)
LINKED = ("an email with no spreadsheet attached but a link to SharePoint or OneDrive (a shared file in place of an "
          "attachment): open the link, download the return and save it in the returns folder")


def unpack(paths: list[Path], archive: Path) -> tuple[list[Path], dict[Path, str], dict[Path, str]]:
    """The files to examine: `paths` with each readable email among them replaced by the
    spreadsheets attached to it, written (once) under `archive`/emailed with the email's Date as
    their modified time; the name each of those is shown by; and why an email with none attached
    that links to one is skipped (LINKED)."""
    out, shown, why = [], {}, {}
    for path in paths:
        found = _attached(path) if path.suffix.lower() in EMAIL_SUFFIXES and not path.is_symlink() else None
        if found is None or not found[2]:       # not an email, or nothing attached to read: skipped
            out.append(path)
            if found is not None and _LINK.search(found[3]):
                why[path] = LINKED
            continue
        from xlplan.safety.inspection import display_name
        digest, sent, attachments, _ = found
        folder = archive / FOLDER / digest[:16]
        try:
            taken = [(_write_once(folder / f"{n:02d} {_safe(name)}", data, sent, path), name)
                     for n, (name, data) in enumerate(attachments, 1)]
        except OSError:         # the archive cannot be written: the email is listed, and skipped
            out.append(path)
            continue
        for target, name in taken:
            out.append(target)
            shown[target] = f"{display_name(path)} › {display_name(_base(name))}"
    return out, shown, why


def shown_names(files: list, paths: list[Path], shown: dict[Path, str], why: dict[Path, str]) -> None:
    """Give each examined file taken from an email (`files` in the order of `paths`) the name it is
    shown by, in its issues too; and a skipped email that links to the return, the reason `why`."""
    for f, path in zip(files, paths):
        if path in why and f.skipped:
            f.skipped = why[path]
    if not shown:
        return
    from dataclasses import replace
    for f, path in zip(files, paths):
        name = shown.get(path)
        if name is None:
            continue
        was, f.name = f.name, name
        f.issues = [replace(i, file=name if i.file == was else i.file, message=i.message.replace(was, name))
                    for i in f.issues]


def _attached(path: Path) -> tuple[str, float | None, list[tuple[str, bytes]], str] | None:
    """(the email's sha256, when it was sent as a timestamp or None, its spreadsheet attachments
    as (file name, bytes), its text), or None for a file too large or that cannot be read as an
    email."""
    try:
        if path.lstat().st_size > MAX_EMAIL_BYTES:
            return None
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
        with open(os.open(path, flags), "rb") as f:
            data = f.read(MAX_EMAIL_BYTES + 1)
        if len(data) > MAX_EMAIL_BYTES:
            return None
        from xlplan.safety.inspection import SPREADSHEET_SUFFIXES

        def wanted(name: str) -> bool:
            return Path(_base(name)).suffix.lower() in SPREADSHEET_SUFFIXES

        if path.suffix.lower() == ".msg":
            from xlplan.collect.outlook import msg_attachments
            sent, attachments, text = msg_attachments(data, wanted, MAX_EMAIL_BYTES)
            attachments = [(name, payload) for name, payload in attachments if payload]
        else:
            sent, attachments, text = _eml_attachments(data, wanted)
    except Exception:  # noqa: BLE001 - an email that cannot be read is skipped as an email, not a crash
        return None
    return hashlib.sha256(data).hexdigest(), sent, attachments, text


def _eml_attachments(data: bytes, wanted: Callable[[str], bool]) -> tuple[float | None, list[tuple[str, bytes]], str]:
    """(when the email was sent, its `wanted` attachments as (file name, bytes), the text of its
    plain and HTML bodies) of an `.eml`."""
    import email
    import email.policy
    msg = email.message_from_bytes(data, policy=email.policy.compat32)
    attachments, text = [], []
    for part in msg.walk():
        name = part.get_filename()
        name = _header_text(name) if name else ""
        if part.is_multipart():
            continue
        if not name and part.get_content_maintype() == "text":
            text.append((part.get_payload(decode=True) or b"")[:1 << 21].decode("utf-8", "replace"))
        if not name or not wanted(name):
            continue
        payload = part.get_payload(decode=True)
        if payload:
            attachments.append((name, payload))
    return _sent(str(msg["Date"] or "")), attachments, "\n".join(text)


def _sent(date: str) -> float | None:
    """An email's Date header as a timestamp; None when it has none that makes sense (a date that
    cannot be read, or one before 2000 or after 2100)."""
    import email.utils
    try:
        when = email.utils.parsedate_to_datetime(date)
        when = when if when.tzinfo else when.replace(tzinfo=timezone.utc)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return when.timestamp() if 2000 <= when.year <= 2100 else None


def _header_text(name: str) -> str:
    """An attachment's file name as text (an RFC 2047 encoded name decoded)."""
    from email.header import decode_header, make_header
    try:
        return str(make_header(decode_header(name)))
    except Exception:  # noqa: BLE001 - a name that does not decode is shown as it came
        return name


def _base(name: str) -> str:
    """The last part of an attachment's name, whichever way its slashes lean."""
    return name.replace("\\", "/").rsplit("/", 1)[-1]


def _safe(name: str) -> str:
    """A file name for the attachment's copy: its last path part, without characters a file
    system or a shell would take for something else, and not too long."""
    stem, suffix = os.path.splitext(_base(name))
    stem = _UNSAFE.sub("_", stem).strip(" .") or "attachment"
    return f"{stem[:100]}{_UNSAFE.sub('_', suffix)[:10]}"


def _write_once(target: Path, data: bytes, sent: float | None, email_path: Path) -> Path:
    """`data` at `target` (atomically, unless it is there already), modified when the email was
    sent (else when the email's file was); gives `target`."""
    if not target.exists():
        mtime = sent if sent is not None else email_path.lstat().st_mtime
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        tmp.write_bytes(data)
        os.utime(tmp, (mtime, mtime))
        os.replace(tmp, target)
    return target
