"""VDG Sense login: the documented `AuthenticateUserDigest` message, HTTP Basic, and the choice between them.

The vendor's article CA-20220907-TP-01 ("Authentication") names three files, `/info` (server UTC time
and API version, no authentication), `/webservice` and `/command`, and prints one example message:

    <AuthenticateUserDigest><username>user</username><nonce>AR5chsWVZagPfMpB</nonce>
    <timestamp>2013-09-04 08:38:43</timestamp><digest>804a2cba…cdf9</digest></AuthenticateUserDigest>

The "nonce" identifies the type of client, the timestamp is UTC `yyyy-mm-dd hh:mm:ss` (hence `/info`'s
server clock), the digest is 40 hex digits (SHA-1 sized). What the public text does not say is how the
digest is computed, what the reply looks like and how the session is carried on `/command`
(docs/vendors/vdg-sense.md). So, choices, each a server setting:
- `login`: `auto` (default: the documented digest login, then HTTP Basic if it is not accepted),
  `digest` or `basic`;
- `digest_nonce`: the client-type nonce (default: the article's example, AR5chsWVZagPfMpB);
- `digest_recipe`: which values are concatenated, in order, before SHA-1 (hex); default
  `nonce,timestamp,password` (the WS-Security UsernameToken pattern the message resembles).
The session is carried by the cookies the login reply sets.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import ClassVar, Self

from lxml import etree

from vms_desk.core.errors import InputError, ProtocolError
from vms_desk.core.times import ensure_utc
from vms_desk.vendors._xml import attr, child_text, local_name, parse_xml
from vms_desk.vendors.request import Reply, Request

WEBSERVICE_PATH = "/webservice"
LOGIN_SETTING, NONCE_SETTING, RECIPE_SETTING = "login", "digest_nonce", "digest_recipe"
DOC_NONCE = "AR5chsWVZagPfMpB"  # the article's example nonce (a client type, not a per-request value)
DEFAULT_RECIPE = ("nonce", "timestamp", "password")
RECIPE_PARTS = frozenset({"username", "nonce", "timestamp", "password", "password_sha1", "password_md5"})
DIGEST_SCHEME, BASIC_SCHEME = "AuthenticateUserDigest", "HTTP Basic"
_REFUSAL_TAGS = frozenset({"error", "fault", "failure"})


class LoginMode(StrEnum):
    """Which login the client uses (server setting `login`)."""

    AUTO = "auto"
    DIGEST = "digest"
    BASIC = "basic"


def _sha1(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8"), usedforsecurity=False).hexdigest()


@dataclass(frozen=True)
class LoginSettings:
    """The login settings of one server, checked."""

    mode: LoginMode = LoginMode.AUTO
    nonce: str = DOC_NONCE
    recipe: tuple[str, ...] = DEFAULT_RECIPE

    @classmethod
    def from_settings(cls, settings: dict[str, str]) -> LoginSettings:
        """The settings, or InputError naming what is wrong."""
        raw_mode = settings.get(LOGIN_SETTING, "").strip().lower() or LoginMode.AUTO.value
        try:
            mode = LoginMode(raw_mode)
        except ValueError:
            raise InputError(
                f"The VDG Sense setting {LOGIN_SETTING}={raw_mode!r} is not known: use auto, digest or basic."
            ) from None
        raw_recipe = settings.get(RECIPE_SETTING, "").strip()
        recipe = tuple(p.strip().lower() for p in raw_recipe.split(",") if p.strip()) or DEFAULT_RECIPE
        unknown = [p for p in recipe if p not in RECIPE_PARTS]
        if unknown or "password" not in "".join(recipe):
            raise InputError(
                f"The VDG Sense setting {RECIPE_SETTING}={raw_recipe!r} must list, in order, some of "
                f"{', '.join(sorted(RECIPE_PARTS))}, including the password in one form."
            )
        return cls(mode, settings.get(NONCE_SETTING, "").strip() or DOC_NONCE, recipe)


def timestamp(value: datetime) -> str:
    """The article's UTC timestamp form, yyyy-mm-dd hh:mm:ss."""
    return ensure_utc(value).strftime("%Y-%m-%d %H:%M:%S")


@dataclass(frozen=True, repr=False)
class AuthenticateUserDigest(Request["LoginVerdict"]):
    """POST /webservice with the documented `AuthenticateUserDigest` XML message; the server's verdict."""

    method: ClassVar[str] = "POST"
    authenticated: ClassVar[bool] = False  # it IS the login
    accepts: ClassVar[frozenset[int]] = frozenset(range(400, 600))  # a refusal is a verdict, not an error
    username: str
    password: str = field(repr=False)
    nonce: str
    stamp: str  # yyyy-mm-dd hh:mm:ss, UTC, on the server's clock
    recipe: tuple[str, ...] = DEFAULT_RECIPE

    def __repr__(self) -> str:
        return f"AuthenticateUserDigest({self.username!r}, nonce={self.nonce!r}, {self.stamp!r})"

    def digest(self) -> str:
        """SHA-1 (hex) over the recipe's values concatenated (the recipe is a choice: module docstring)."""
        values = {
            "username": self.username,
            "nonce": self.nonce,
            "timestamp": self.stamp,
            "password": self.password,
            "password_sha1": _sha1(self.password),
            "password_md5": hashlib.md5(self.password.encode("utf-8"), usedforsecurity=False).hexdigest(),
        }
        return _sha1("".join(values[part] for part in self.recipe))

    @property
    def path(self) -> str:
        """The file the article names for authentication messages (a choice: see the module)."""
        return WEBSERVICE_PATH

    def headers(self) -> dict[str, str]:
        """An XML body."""
        return {"Content-Type": "text/xml; charset=utf-8"}

    def content(self) -> bytes | None:
        """The message."""
        return self.body()

    def decode(self, reply: Reply) -> LoginVerdict:
        """The server's verdict (see `read_verdict`); a 2xx that is not XML is a ProtocolError."""
        return read_verdict(reply.status, reply.content)

    @classmethod
    def example(cls) -> Self:
        """The article's example message (its password is not public: any will do)."""
        return cls("user", "password", DOC_NONCE, "2013-09-04 08:38:43")

    def body(self) -> bytes:
        """The message in the article's element order, built with lxml so every value is escaped."""
        root = etree.Element("AuthenticateUserDigest")
        for tag, value in (
            ("username", self.username),
            ("nonce", self.nonce),
            ("timestamp", self.stamp),
            ("digest", self.digest()),
        ):
            etree.SubElement(root, tag).text = value
        return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


@dataclass(frozen=True)
class LoginVerdict:
    """What the server answered the digest login: accepted, or refused with its own text and code."""

    accepted: bool
    text: str = ""
    code: str = ""
    absent: bool = False  # no /webservice at all (HTTP 404): an older or differently built server


def read_verdict(status: int, content: bytes) -> LoginVerdict:  # noqa: PLR0911 - one per kind
    """The login reply read leniently: its format is not public (docs/vendors/vdg-sense.md).

    Refused: HTTP 401/403, a negative `errorcode` anywhere, or an element named error/fault/failure.
    Absent: HTTP 404 (or 405). Accepted: any other 2xx reply that is XML (not an HTML page) or empty.
    A 2xx that is neither is a ProtocolError (the session then treats it as not accepted).
    """
    if status in (404, 405):
        return LoginVerdict(False, f"HTTP {status} on {WEBSERVICE_PATH}", f"HTTP {status}", absent=True)
    text = content[:300].decode("utf-8", "replace").strip()
    root = None
    if content.strip():
        try:
            root = parse_xml(content, "VDG Sense")
        except ProtocolError:
            root = None
    if status in (401, 403):
        detail = _xml_words(root) if root is not None else ("", "")
        return LoginVerdict(False, detail[0] or text, detail[1] or f"HTTP {status}")
    if not 200 <= status < 300:
        return LoginVerdict(False, text, f"HTTP {status}")
    if root is None and content.strip():
        raise ProtocolError(
            "The VDG Sense server answered the login with something that is not XML.",
            detail=f"{WEBSERVICE_PATH} -> {status}: {text[:120]!r}",
        )
    if root is None:
        return LoginVerdict(True)
    if local_name(root) == "html":  # a web page (a portal, a proxy), not the API's answer
        raise ProtocolError(
            "The VDG Sense server answered the login with a web page, not the API's XML.",
            detail=f"{WEBSERVICE_PATH} -> {status}: {text[:120]!r}",
        )
    words, code = _xml_words(root)
    if code.lstrip("-").isdigit() and int(code) < 0:
        return LoginVerdict(False, words, code)
    if any(local_name(e) in _REFUSAL_TAGS for e in root.iter()):
        return LoginVerdict(False, words or text, code)
    return LoginVerdict(True, words, code)


def _xml_words(root: etree._Element) -> tuple[str, str]:
    """(description, errorcode) found anywhere in a reply."""
    code = ""
    for element in root.iter():
        if not code and (value := attr(element, "errorcode")):
            code = value.strip()
    description = child_text(root, "description") or child_text(root, "error") or child_text(root, "message")
    return description, code
