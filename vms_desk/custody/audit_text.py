"""One readable sentence per audit entry for the custody log (the raw entry stays in the audit log)."""

from __future__ import annotations

from typing import Any

MAX_TEXT = 700


def _files(items: Any) -> str:
    if not isinstance(items, list):
        return ""
    parts = []
    for item in items:
        if isinstance(item, dict):
            name = str(item.get("name") or item.get("path") or item.get("file") or "?")
            parts.append(f"{name.replace(chr(92), '/').rsplit('/', 1)[-1]} SHA-256 {item.get('sha256', '?')}")
    return "; ".join(parts)


def _export(entry: dict[str, Any]) -> str:
    camera = entry.get("camera") or {}
    server = entry.get("server") or {}
    requested = entry.get("requested") or {}
    text = (
        f"Export of {camera.get('name') or camera.get('id', '?')} from {server.get('vendor', '?')} "
        f"{server.get('url', '')} as {requested.get('format', '?')}, {requested.get('start', '?')} – "
        f"{requested.get('end', '?')}, operator {entry.get('operator') or 'not recorded'}"
    )
    files = _files(entry.get("files"))
    error = entry.get("error")
    return text + (f". Files: {files}" if files else "") + (f". Error: {error}" if error else "")


def _working_copy(entry: dict[str, Any]) -> str:
    if entry.get("outcome") == "refused":
        return "Working copy refused, the master no longer matches its manifest: " + _files(
            entry.get("changed")
        )
    raw = entry.get("copies")
    copies: list[Any] = raw if isinstance(raw, list) else []
    parts = [
        f"{str(c.get('file', '?')).replace(chr(92), '/').rsplit('/', 1)[-1]} SHA-256 {c.get('sha256', '?')} "
        f"({c.get('operation', '?')} of {c.get('master', '?')} SHA-256 {c.get('master_sha256', '?')}"
        f"{'' if c.get('made', True) else ', already there'})"
        for c in copies
        if isinstance(c, dict)
    ]
    return "Working copy: " + "; ".join(parts)


def describe(entry: dict[str, Any]) -> str:
    """A sentence saying what the entry records, with file names and hashes where it has them."""
    action = entry.get("action")
    if action == "export":
        text = _export(entry)
    elif action == "working-copy":
        text = _working_copy(entry)
    elif action in ("report", "bundle"):
        files = _files(entry.get("files"))
        head = entry.get("bundle_manifest") if action == "bundle" else None
        seal = f"bundle-manifest.json SHA-256 {head.get('sha256')}; " if isinstance(head, dict) else ""
        text = f"{str(action).capitalize()} of case {entry.get('case', '?')}: {seal}{files}"
    elif action == "verify":
        problems = entry.get("problems") or []
        text = f"Verification of {entry.get('folder', '?')}" + (f": {problems}" if problems else "")
    else:
        skip = {"seq", "time", "user", "workstation", "action", "outcome", "prev", "hash"}
        text = ", ".join(f"{k}: {v}" for k, v in entry.items() if k not in skip)
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + " …"
