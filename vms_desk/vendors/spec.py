"""What describes a vendor once: `VendorSpec` and the base of every vendor's server-settings model.

Each vendor subpackage exports one `SPEC`; `vendors.registry` lists them by explicit import. The CLI's
`--setting` help, the server dialog's fields, offline input checks, the demo servers and the wire time
codec all come from here, so a sixth vendor is one subpackage plus one registry line
(docs/adding-a-vendor.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from vms_desk.core.errors import InputError
from vms_desk.core.models import ServerConfig, Vendor
from vms_desk.core.options import Capabilities
from vms_desk.core.protocol import VendorClient
from vms_desk.vendors.http_client import TLS_PIN_SETTING
from vms_desk.vendors.tls import normalise_fingerprint

if TYPE_CHECKING:
    from vms_desk.sim.base import SimState


class ClientFactory(Protocol):
    """The constructor every vendor client has."""

    def __call__(self, config: ServerConfig, password: str | None, http: httpx.AsyncClient) -> VendorClient:
        """Create a client for one server."""
        ...


@dataclass(frozen=True)
class TimeCodec:
    """How a vendor writes instants on the wire and how its replies are read back (aware UTC)."""

    encode: Callable[[datetime], str]
    decode: Callable[[str], datetime]


class ServerSettings(BaseModel):
    """A vendor's server settings (ServerConfig.settings), declared with a one-line help per key.

    Every field is text with a default (empty means "not set"); subclasses add their keys with
    `Field(description=...)`, which is the help the CLI and the server dialog show. Unknown keys are
    refused, so a misspelt setting fails before any server is contacted instead of being ignored.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    # Secret settings never reach a file; none is declared today (passwords live in the keyring).
    secret_keys: ClassVar[frozenset[str]] = frozenset()

    tls_sha256: str = Field(
        default="",
        title="TLS fingerprint",
        description="trust an HTTPS server by its certificate's SHA-256 fingerprint",
    )

    @field_validator("tls_sha256")
    @classmethod
    def _pin(cls, value: str) -> str:
        return normalise_fingerprint(value) if value else ""

    @classmethod
    def help(cls) -> dict[str, str]:
        """Every key with its one-line help, vendor keys first."""
        fields = cls.model_fields
        ordered = [k for k in fields if k != TLS_PIN_SETTING] + [TLS_PIN_SETTING]
        return {key: fields[key].description or "" for key in ordered}

    @classmethod
    def parse(cls, values: dict[str, str], vendor_name: str) -> dict[str, str]:
        """Checked settings as ServerConfig stores them (only the keys that are set); InputError if not."""
        unknown = sorted(set(values) - set(cls.model_fields))
        if unknown:
            names = ", ".join(cls.help())
            raise InputError(f"{vendor_name} has no server setting {unknown[0]!r}: use one of {names}.")
        try:
            model = cls.model_validate(values)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first.get("loc", ())) or "settings"
            message = str(first.get("msg", "invalid")).removeprefix("Value error, ")
            raise InputError(f"The server setting {where} is not valid: {message}") from exc
        return {k: str(v) for k, v in model.model_dump().items() if v}


AppFactory = Callable[["SimState"], Any]


@dataclass(frozen=True)
class VendorSpec:
    """Everything vms_desk knows about one vendor without contacting a server."""

    vendor: Vendor
    client: ClientFactory
    settings: type[ServerSettings]
    # The capabilities when they do not depend on the server (formats and options are documented),
    # else None: then input is checked after login, against what the server lists.
    static_capabilities: Callable[[ServerConfig], Capabilities] | None
    # The built-in simulator's ASGI app (imported only when a demo server is started).
    simulator: AppFactory
    time_codec: TimeCodec

    @property
    def key(self) -> str:
        """The CLI's `--vendor` name."""
        return self.vendor.value

    @property
    def display_name(self) -> str:
        """The product name users know."""
        return self.vendor.display_name
