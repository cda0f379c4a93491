"""A working copy plays in libVLC (the player courts and the built-in player use), start to end."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from vms_desk.custody.working_copy import make_working_copies
from vms_desk.evidence.audit import AuditLog


def vlc_instance() -> Any:
    try:
        import vlc
    except (ImportError, OSError) as exc:
        pytest.skip(f"libVLC cannot be loaded here: {exc}")
    instance = vlc.Instance(["--vout=dummy", "--quiet", "--aout=dummy"])
    if instance is None:
        pytest.skip("libVLC loaded without its plugins (install vlc-plugin-base)")
    return instance


@pytest.mark.parametrize("caption", [False, True], ids=["remux", "caption"])
def test_working_copy_plays_in_vlc(
    caption: bool, export_factory: Callable[..., Path], audit: AuditLog
) -> None:
    import vlc

    instance = vlc_instance()
    [copy] = make_working_copies(export_factory(seconds=2), caption=caption, audit=audit)
    player = instance.media_player_new()
    player.set_media(instance.media_new(str(copy.path)))
    player.play()
    seen, deadline = 0, time.monotonic() + 20
    try:
        while time.monotonic() < deadline:
            state = player.get_state()
            seen = max(seen, player.get_time())
            if state in (vlc.State.Ended, vlc.State.Error):
                break
            time.sleep(0.05)  # libVLC runs on its own threads; this only polls them
        assert player.get_state() == vlc.State.Ended, f"stopped in {player.get_state()}"
        assert 1500 <= player.get_length() <= 2500
        assert seen >= 700  # the position advanced: frames were decoded and shown
    finally:
        player.stop()
        player.release()
        instance.release()
