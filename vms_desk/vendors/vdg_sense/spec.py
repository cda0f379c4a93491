"""VDG Sense described once: client, server settings (the share mapping), capabilities, simulator, codec."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from pydantic import Field, model_validator

from vms_desk.core.errors import InputError
from vms_desk.core.models import ServerConfig, Vendor
from vms_desk.core.options import Capabilities
from vms_desk.core.times import from_vdg, to_vdg
from vms_desk.vendors.spec import ServerSettings, TimeCodec, VendorSpec
from vms_desk.vendors.vdg_sense.client import FORMATS, OPTIONS, Client
from vms_desk.vendors.vdg_sense.login import LoginSettings
from vms_desk.vendors.vdg_sense.share import ShareMapping

if TYPE_CHECKING:
    from vms_desk.sim.base import SimState


class VdgSenseSettings(ServerSettings):
    """VDG Sense server settings: where the workstation reads the server's export folder."""

    share_server_prefix: str = Field(
        default="",
        title="Export folder on the server",
        description=r"the export folder as the VDG server names it, e.g. D:\Exports",
    )
    share_local_path: str = Field(
        default="",
        title="Same folder from here",
        description=r"the same folder as this workstation reads it, e.g. \\vdg01\Exports",
    )
    login: str = Field(
        default="",
        title="Login",
        description="auto (the documented AuthenticateUserDigest login, then HTTP Basic), digest or basic",
    )
    digest_nonce: str = Field(
        default="",
        title="Digest nonce",
        description="the client-type nonce of the digest login (default: the article's AR5chsWVZagPfMpB)",
    )
    digest_recipe: str = Field(
        default="",
        title="Digest recipe",
        description="what SHA-1 digests, in order (default nonce,timestamp,password)",
    )

    @model_validator(mode="after")
    def _login(self) -> Self:
        # The client's own reading of the login settings: InputError with its sentence when wrong.
        LoginSettings.from_settings(
            {"login": self.login, "digest_nonce": self.digest_nonce, "digest_recipe": self.digest_recipe}
        )
        return self

    @model_validator(mode="after")
    def _mapping(self) -> Self:
        prefix, local = self.share_server_prefix, self.share_local_path
        if bool(prefix) != bool(local):
            # One without the other would be ignored silently and the files would stay on the server.
            raise InputError(
                "The share mapping needs both --setting share_server_prefix=FOLDER and "
                "--setting share_local_path=FOLDER."
            )
        if local:
            folder = Path(local).expanduser().absolute()
            if not folder.is_dir():
                raise InputError(
                    f"share_local_path {local} is not a folder this workstation can read: check that the "
                    "share is connected, or correct the path."
                )
            # The job may run from another working folder: keep the absolute path.
            object.__setattr__(self, "share_local_path", str(folder))
        return self


def _capabilities(config: ServerConfig) -> Capabilities:
    mapped = ShareMapping.from_settings(config.settings) is not None
    return Capabilities(
        formats=FORMATS, options=OPTIONS, recordings_known=False, files_stay_on_server=not mapped
    )


def _simulator(state: SimState) -> Any:
    from vms_desk.sim.vdg_sense import build

    return build(state)


SPEC = VendorSpec(
    vendor=Vendor.VDG_SENSE,
    client=Client,
    settings=VdgSenseSettings,
    static_capabilities=_capabilities,
    simulator=_simulator,
    time_codec=TimeCodec(encode=to_vdg, decode=from_vdg),
)
