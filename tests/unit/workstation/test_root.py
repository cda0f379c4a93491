"""The Workstation opens a home: settings honoured, damaged files set aside (never lost), one engine
with the audit log, one client pool."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from vms_desk.workstation.root import Workstation


def test_settings_reach_the_engine_and_the_pool(tmp_path: Path) -> None:
    (tmp_path / "settings.json").write_text(
        json.dumps({"per_server": 3, "overall": 7, "retry_attempts": 2, "poll_first_delay": 0.25}),
        encoding="utf-8",
    )
    workstation = Workstation.open(tmp_path)
    try:
        assert workstation.notices == []
        assert workstation.engine._per_server == 3
        assert workstation.engine._overall._value == 7
        assert workstation.clients.policy.attempts == 2
        assert workstation.engine.poll_policy.first == 0.25
        assert workstation.engine.clients is workstation.clients  # one pool for jobs and the window
        assert workstation.audit.path.parent == tmp_path
    finally:
        asyncio.run(workstation.aclose())


def test_damaged_settings_and_server_list_are_kept_aside_and_defaults_used(tmp_path: Path) -> None:
    (tmp_path / "settings.json").write_text('{"per_server": ', encoding="utf-8")
    (tmp_path / "servers.json").write_text('{"servers": [{"id": 1}]}', encoding="utf-8")
    workstation = Workstation.open(tmp_path)
    try:
        assert workstation.engine._per_server == 1
        assert workstation.servers.servers() == []
        kept = sorted(p.name for p in tmp_path.glob("*.broken-*"))
        assert [name.split(".broken-")[0] for name in kept] == ["servers.json", "settings.json"]
        assert (tmp_path / kept[1]).read_text(encoding="utf-8") == '{"per_server": '  # nothing lost
        assert len(workstation.notices) == 2
        assert all("damaged" in n and ".broken-" in n for n in workstation.notices)
    finally:
        asyncio.run(workstation.aclose())


def test_passwords_given_for_the_run_come_first_then_the_fallback(tmp_path: Path) -> None:
    from vms_desk.core.models import ServerConfig, Vendor

    workstation = Workstation.open(tmp_path)
    try:
        one = ServerConfig(vendor=Vendor.AXIS, url="http://192.0.2.1", user="a")
        two = ServerConfig(vendor=Vendor.AXIS, url="http://192.0.2.2", user="a")
        workstation.passwords.remember(one, "given")
        workstation.passwords.fallback = "fallback"
        assert workstation.passwords(one) == "given"
        assert workstation.passwords(two) == "fallback"
    finally:
        asyncio.run(workstation.aclose())
