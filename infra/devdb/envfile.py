"""Update the keys we manage in a `.env` file in place, keeping every other line, comment and the order.

Rules (neonctl's managed-keys merge): a managed key is rewritten where it stands (every occurrence, so
the last one, which dotenv readers use, agrees), or appended at the end; `export KEY=` and inline
comments are kept; a value already equal is left byte for byte. The file holds a password, so it is
written atomically (temp file + rename) with mode 0600, and an unchanged file open to group or others
loses those bits. Nothing is written when nothing changes, so a read-only `.env` that is already right
is fine. Multi-line quoted values are not supported for managed keys.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from infra.devdb.errors import EnvFileError

__all__ = ["EnvFileUpdate", "format_value", "read_env_file", "update_env_file"]

_PRIVATE_MODE = 0o600
_KEY_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ASSIGN_RE = re.compile(
    r"(?P<head>[ \t]*(?:export[ \t]+)?)(?P<key>[A-Za-z_][A-Za-z0-9_]*)(?P<eq>[ \t]*=[ \t]*)(?P<rest>.*)"
)
# Safe unquoted for dotenv readers and for `source .env` in a shell (no globbing happens in assignments).
_BARE_RE = re.compile(r"[A-Za-z0-9_./:@%+,=?-]*")
_DOUBLE_ESCAPES = {"n": "\n", "t": "\t", "r": "\r"}


class EnvFileUpdate(BaseModel):
    """What `update_env_file` did; `changed` is False on a second run with the same values."""

    model_config = ConfigDict(frozen=True)

    path: Path
    created: bool
    added: tuple[str, ...]
    updated: tuple[str, ...]
    unchanged: tuple[str, ...]
    mode_tightened: bool

    @property
    def changed(self) -> bool:
        return self.created or bool(self.added or self.updated)


@dataclass(frozen=True)
class _Assignment:
    head: str
    key: str
    eq: str
    value: str
    quote: str  # "", "'" or '"'
    trailer: str  # text after the value, e.g. "  # comment"


def read_env_file(path: Path) -> dict[str, str]:
    """The KEY=value pairs of a `.env` (the last occurrence wins, as in dotenv readers); {} if absent."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise EnvFileError(f"Cannot read {path}: {_reason(exc)}.") from None
    values: dict[str, str] = {}
    for line in text.splitlines():
        parsed = _parse(line)
        if parsed is not None:
            values[parsed.key] = parsed.value
    return values


def update_env_file(path: Path, values: Mapping[str, str]) -> EnvFileUpdate:
    """Set `values` in the `.env` at `path` (created if missing), touching nothing else."""
    _validate(values)
    target = path.resolve() if path.is_symlink() else path  # keep the link, write its target
    existed = target.exists()
    old_text = _read_for_update(target) if existed else ""
    lines = old_text.splitlines(keepends=True)
    newline = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
    seen: set[str] = set()
    updated: list[str] = []
    out: list[str] = []
    for line in lines:
        body, ending = _split_ending(line)
        parsed = _parse(body)
        if parsed is not None and parsed.key in values:
            seen.add(parsed.key)
            if parsed.value != values[parsed.key]:
                body = _render(parsed, values[parsed.key])
                updated.append(parsed.key)
        out.append(body + ending)
    added = [key for key in values if key not in seen]
    if added and out and not out[-1].endswith(("\n", "\r")):
        out[-1] += newline
    out.extend(f"{key}={format_value(values[key])}{newline}" for key in added)
    new_text = "".join(out)
    tightened = existed and _is_loose(target)
    if new_text != old_text or not existed:
        _write_atomically(target, new_text, existed=existed)
    elif tightened:
        _drop_group_and_other_bits(target)
    return EnvFileUpdate(
        path=target,
        created=not existed,
        added=tuple(added),
        updated=tuple(dict.fromkeys(updated)),
        unchanged=tuple(k for k in values if k in seen and k not in updated),
        mode_tightened=tightened,
    )


def format_value(value: str) -> str:
    """A value as written to the file: bare when safe, else single-quoted, else double-quoted."""
    if _BARE_RE.fullmatch(value):
        return value
    if "'" not in value:
        return f"'{value}'"
    return _double_quote(value)


def _parse(line: str) -> _Assignment | None:
    match = _ASSIGN_RE.fullmatch(line)
    if match is None:
        return None
    rest = match.group("rest")
    quote, value, trailer = _split_value(rest)
    return _Assignment(
        head=match.group("head"),
        key=match.group("key"),
        eq=match.group("eq"),
        value=value,
        quote=quote,
        trailer=trailer,
    )


def _split_value(rest: str) -> tuple[str, str, str]:
    """(quote, value, trailer) of the text after `=`."""
    if rest[:1] == "'":
        end = rest.find("'", 1)
        if end != -1:
            return "'", rest[1:end], rest[end + 1 :]
    if rest[:1] == '"':
        chars: list[str] = []
        i = 1
        while i < len(rest):
            char = rest[i]
            if char == "\\" and i + 1 < len(rest):
                chars.append(_DOUBLE_ESCAPES.get(rest[i + 1], rest[i + 1]))
                i += 2
                continue
            if char == '"':
                return '"', "".join(chars), rest[i + 1 :]
            chars.append(char)
            i += 1
    comment = re.search(r"[ \t]+#", rest)
    if comment is not None:
        return "", rest[: comment.start()], rest[comment.start() :]
    stripped = rest.rstrip(" \t")
    return "", stripped, rest[len(stripped) :]


def _render(old: _Assignment, value: str) -> str:
    if old.quote == "'" and "'" not in value:
        rendered = f"'{value}'"
    elif old.quote == '"':
        rendered = _double_quote(value)
    else:
        rendered = format_value(value)
    return f"{old.head}{old.key}{old.eq}{rendered}{old.trailer}"


def _double_quote(value: str) -> str:
    # Escape what a shell or a dotenv reader would expand inside double quotes.
    for char in ("\\", '"', "$", "`"):
        value = value.replace(char, "\\" + char)
    return f'"{value}"'


def _split_ending(line: str) -> tuple[str, str]:
    body = line.rstrip("\r\n")
    return body, line[len(body) :]


def _validate(values: Mapping[str, str]) -> None:
    for key, value in values.items():
        if not _KEY_RE.fullmatch(key):
            raise ValueError(f"Not a valid .env key: {key!r}")
        if any(c in value for c in "\r\n\0"):
            raise ValueError(f"The value for {key} must be on one line")


def _read_for_update(target: Path) -> str:
    try:
        return target.read_bytes().decode("utf-8")  # bytes: keep \r\n endings as they are
    except (OSError, UnicodeDecodeError) as exc:
        raise EnvFileError(f"Cannot read {target}: {_reason(exc)}. Nothing was changed.") from None


def _require_writable(path: Path, *, what: str) -> None:
    info = path.stat()
    # Root bypasses permission checks, so for root honour the owner's write bit: a file or directory
    # someone made read-only is a decision we do not override.
    allowed = bool(info.st_mode & stat.S_IWUSR) if os.geteuid() == 0 else os.access(path, os.W_OK)
    if not allowed:
        fix = f"chmod u+w {path}" if what == "file" else f"make {path} writable"
        raise EnvFileError(
            f"The {what} {path} is not writable, so the .env cannot be updated ({fix}, then re-run). "
            "Nothing was changed."
        )


def _write_atomically(target: Path, text: str, *, existed: bool) -> None:
    if existed:
        _require_writable(target, what="file")
    if target.parent.exists():
        _require_writable(target.parent, what="directory")
    try:
        fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        raise EnvFileError(f"Cannot write {target}: {_reason(exc)}. Nothing was changed.") from None
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, _PRIVATE_MODE)
        if existed and os.geteuid() == 0:  # keep the developer's ownership when root edits their file
            info = target.stat()
            os.chown(tmp, info.st_uid, info.st_gid)
        os.replace(tmp, target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise EnvFileError(f"Cannot write {target}: {_reason(exc)}. Nothing was changed.") from None


def _is_loose(path: Path) -> bool:
    return bool(stat.S_IMODE(path.stat().st_mode) & 0o077)


def _drop_group_and_other_bits(path: Path) -> None:
    try:
        os.chmod(path, stat.S_IMODE(path.stat().st_mode) & ~0o077)
    except OSError as exc:
        raise EnvFileError(f"Cannot restrict {path} to mode 0600: {_reason(exc)}.") from None


def _reason(exc: BaseException) -> str:
    return exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
