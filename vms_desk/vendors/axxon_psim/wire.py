"""Decoding Axxon PSIM replies in one place: token JSON, config.properties, task JSON.

Leniency is deliberate (VENDOR-NOTES §2): `ErrorMessage` may be JSON null, the string "null" or "";
only `ReadyForDownload` is a known finished state, so any other state without an error is "running".
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from vms_desk.core.errors import ProtocolError
from vms_desk.core.models import Camera

VENDOR = "Axxon PSIM"
STATE_DONE = "readyfordownload"
NO_ERROR = frozenset({"", "null", "none"})
RIGHT_ARCHIVE = 0x8


def decode_json(data: bytes, what: str) -> dict[str, Any]:
    """A JSON object from a reply, or ProtocolError naming what was expected."""
    try:
        value = json.loads(data)
    except ValueError as exc:
        raise ProtocolError(
            f"The {VENDOR} server sent an unreadable {what} reply.", detail=f"{what}: {data[:200]!r}"
        ) from exc
    if not isinstance(value, dict):
        raise ProtocolError(f"The {VENDOR} server sent an unexpected {what} reply.", detail=repr(value)[:200])
    return value


class _Wire(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)


class TokenReply(_Wire):
    """`/token` reply."""

    access_token: str


class TaskReply(_Wire):
    """`/createarchivetask` and `/getarchivetaskstatus` replies (the status has the extra fields)."""

    task_id: str | None = Field(None, alias="ArchiveTaskId")
    error_message: str | None = Field(None, alias="ErrorMessage")
    state: str | None = Field(None, alias="State")
    percents: float | None = Field(None, alias="Percents")
    url: str | None = Field(None, alias="Url")
    camera_id: str | None = Field(None, alias="CameraId")
    start: str | None = Field(None, alias="From")
    end: str | None = Field(None, alias="To")

    @property
    def error(self) -> str:
        """The vendor's error text, or "" when there is none (null, "null" and "" all mean none)."""
        text = (self.error_message or "").strip()
        return "" if text.lower() in NO_ERROR else text

    @property
    def done(self) -> bool:
        """True once the file is ready."""
        return (self.state or "").strip().lower() == STATE_DONE

    @property
    def progress(self) -> float:
        """Percents as 0..1 (clamped; missing is 0)."""
        return min(1.0, max(0.0, (self.percents or 0.0) / 100.0))

    def locator(self, base_path: str) -> str | None:
        """Path and query of `Url`: its host may be unreachable, so only these are used."""
        if not self.url:
            return None
        parts = urlsplit(self.url.strip())
        path = parts.path or "/"
        # A server behind a path prefix may name it again; the configured base already carries it.
        if base_path and path.startswith(base_path + "/"):
            path = path[len(base_path) :]
        return f"{path}?{parts.query}" if parts.query else path


def decode_task(data: bytes, what: str) -> TaskReply:
    """A task reply, or ProtocolError."""
    raw = decode_json(data, what)
    for key in ("CameraId", "ArchiveTaskId"):
        if isinstance(raw.get(key), int | float):  # ids may come as numbers
            raw[key] = str(raw[key])
    try:
        return TaskReply.model_validate(raw)
    except ValidationError as exc:
        raise ProtocolError(f"The {VENDOR} server sent an unexpected {what} reply.", detail=str(exc)) from exc


_HEADER_SAFE = re.compile(r"[\x21-\x7e]+")


def decode_token(data: bytes) -> str:
    """The access token from a `/token` reply."""
    try:
        token = TokenReply.model_validate(decode_json(data, "token")).access_token.strip()
    except ValidationError as exc:
        raise ProtocolError(f"The {VENDOR} server sent a token reply without a token.") from exc
    if not token:
        raise ProtocolError(f"The {VENDOR} server sent an empty token.")
    if not _HEADER_SAFE.fullmatch(token):
        # The token goes back in a header (and a query): only visible ASCII can travel there.
        raise ProtocolError(
            f"The {VENDOR} server sent a token that cannot be sent back to it (not plain text).",
            detail=f"token of {len(token)} characters with characters outside visible ASCII",
        )
    return token


_UNICODE = re.compile(r"\\u([0-9a-fA-F]{4})")
_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "f": "\f"}


def _unescape(text: str) -> str:
    """Java properties escapes: \\uXXXX, \\t \\n \\r \\f, and a backslash before anything else."""
    text = _UNICODE.sub(lambda m: chr(int(m.group(1), 16)), text)
    out, i = [], 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            out.append(_ESCAPES.get(text[i + 1], text[i + 1]))
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def parse_properties(data: bytes) -> dict[str, str]:
    """A Java-style properties file (UTF-8, else Latin-1) as a dict; comments and blanks skipped."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    result: dict[str, str] = {}
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped[0] in "#!":
            continue
        match = re.match(r"((?:[^=:\\\s]|\\.)+)\s*[=:]?\s*(.*)$", stripped)
        if match:
            result[_unescape(match.group(1))] = _unescape(match.group(2))
    return result


def credentials_refused(props: dict[str, str]) -> bool:
    """True when the file says the login was refused (`password.invalid=true`)."""
    return props.get("password.invalid", "").strip().lower() == "true"


def _rights(text: str | None) -> int | None:
    if text is None:
        return None
    digits = re.match(r"\s*(0x[0-9a-fA-F]+|\d+)", text)
    return int(digits.group(1), 0) if digits else None


def cameras_from_properties(props: dict[str, str]) -> list[Camera]:
    """Cameras from `cam.N.id/name/rights`; without the 0x8 right a camera is not exportable."""
    if "cam.count" not in props and not any(k.startswith("cam.") for k in props):
        if "password.invalid" not in props:
            raise ProtocolError(
                f"The {VENDOR} server's camera list is not a configuration file vms_desk understands.",
                detail=f"keys: {sorted(props)[:10]}",
            )
        return []
    indexes = sorted({int(m.group(1)) for k in props if (m := re.match(r"cam\.(\d+)\.id$", k))})
    cameras = []
    for n in indexes:
        ident = props[f"cam.{n}.id"].strip()
        rights = _rights(props.get(f"cam.{n}.rights"))
        # No rights field: let the server decide (a choice); present without 0x8: not exportable.
        exportable = rights is None or bool(rights & RIGHT_ARCHIVE)
        detail = {"rights": str(rights)} if rights is not None else {}
        name = props.get(f"cam.{n}.name", "").strip() or f"Camera {ident}"
        cameras.append(Camera(id=ident, name=name, exportable=exportable, detail=detail))
    return cameras
