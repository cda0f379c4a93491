"""The bundle's index.html: one self-contained page (no script, no network) that any browser opens.

Links are relative, so the page works from a USB stick, a DVD or a zip unpacked anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from html import escape
from urllib.parse import quote

from vms_desk.core.times import zone_label

from .exhibits import Exhibit
from .rows import lineage_text, summary
from .timefmt import local_text, utc_text

STYLE = """
body{font:14px/1.45 system-ui,Segoe UI,DejaVu Sans,sans-serif;margin:0;background:#f3f5f7;color:#1c2430}
header{background:#1f3a5f;color:#fff;padding:14px 24px}header h1{margin:0 0 4px;font-size:22px}
header a{color:#cfe3ff}main{padding:12px 24px}section{background:#fff;border:1px solid #d5dbe1;
border-radius:6px;margin:0 0 16px;padding:12px 16px}h2{margin:0 0 8px;font-size:17px}
.row{display:flex;gap:16px;align-items:flex-start;flex-wrap:wrap}
video,img.thumb{width:400px;max-width:100%;background:#000;border-radius:4px}
table{border-collapse:collapse;font-size:12.5px;margin-top:8px}table.files{width:100%}
.media{width:400px;max-width:100%}section{overflow-x:auto}td.name{word-break:break-all;min-width:12em}
td,th{border:1px solid #d5dbe1;padding:3px 6px;text-align:left;vertical-align:top}th{background:#e8ecf0}
code{font:11px/1.3 DejaVu Sans Mono,Consolas,monospace;white-space:nowrap}
.note{color:#5b6775;font-size:12.5px}
"""


@dataclass(frozen=True)
class PageExhibit:
    """An exhibit as placed in the bundle: its folder there, thumbnail and playable file (relative)."""

    exhibit: Exhibit
    folder: str
    thumbnail: str | None
    playable: str | None


def _href(path: str) -> str:
    return escape(quote(path), quote=True)


def _files(item: PageExhibit) -> str:
    rows = []
    for file in item.exhibit.files:
        href = _href(f"{item.folder}/{file.name}")
        rows.append(
            f"<tr><td class='name'><a href='{href}'>{escape(file.name)}</a></td><td>{escape(file.role)}</td>"
            f"<td>{file.size:,}</td><td><code>{file.sha256}</code></td>"
            f"<td>{escape(lineage_text(item.exhibit, file))}</td></tr>"
        )
    manifest = _href(f"{item.folder}/manifest.json")
    rows.append(
        f"<tr><td><a href='{manifest}'>manifest.json</a></td><td>manifest</td><td></td>"
        f"<td><code>{item.exhibit.manifest_sha256}</code></td><td></td></tr>"
    )
    head = "<tr><th>File</th><th>Role</th><th>Bytes</th><th>SHA-256</th><th>Lineage</th></tr>"
    return f"<table class='files'>{head}{''.join(rows)}</table>"


def _media(item: PageExhibit) -> str:
    poster = f" poster='{_href(item.thumbnail)}'" if item.thumbnail else ""
    if item.playable:
        return (
            f"<video controls preload='metadata'{poster} src='{_href(item.playable)}'></video>"
            f"<div class='note'>Playing the working copy {escape(item.playable.rsplit('/', 1)[-1])}</div>"
        )
    if item.thumbnail:
        return (
            f"<img class='thumb' src='{_href(item.thumbnail)}' alt='frame of the master'>"
            "<div class='note'>No MP4 working copy in this bundle: open the master with a player.</div>"
        )
    return "<div class='note'>No picture: this exhibit's video could not be decoded here.</div>"


def _exhibit(item: PageExhibit, zone: tzinfo) -> str:
    head = summary(item.exhibit, zone)
    facts = (
        ("Requested", f"{head.requested_local}<br>{head.requested_utc}"),
        ("Actual (server)", f"{head.actual_local}<br>{head.actual_utc}"),
        ("Clock offset", escape(head.clock)),
        ("Server", escape(f"{head.vms} · {item.exhibit.manifest.source.url}")),
        ("Operator", escape(item.exhibit.manifest.operator or "not recorded")),
    )
    table = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in facts)
    return (
        f"<section id='{escape(head.exhibit_id)}'><h2>{escape(head.exhibit_id)} · {escape(head.camera)}</h2>"
        f"<div class='row'><div class='media'>{_media(item)}</div><table>{table}</table></div>"
        f"{_files(item)}</section>"
    )


def index_html(case: str, items: list[PageExhibit], made: datetime, who: str, zone: tzinfo) -> str:
    """The whole page."""
    exhibits = "".join(_exhibit(item, zone) for item in items)
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>Case {escape(case)}: evidence bundle</title><style>{STYLE}</style></head><body>"
        f"<header><h1>Case {escape(case)}: evidence bundle</h1><div>{len(items)} exhibit(s) · made "
        f"{escape(local_text(made, zone))} ({escape(utc_text(made))}) by {escape(who)} · times in "
        f"{escape(zone_label(zone, made))} and UTC · <a href='report.pdf'>chain-of-custody report (PDF)</a>"
        " · <a href='VERIFY.txt'>how to check these files</a></div></header>"
        f"<main>{exhibits}<p class='note'>Every file's SHA-256 is listed in bundle-manifest.json; "
        "VERIFY.txt says how to recompute them with the tools of any computer.</p></main></body></html>\n"
    )
