"""What an Axxon One server exports: its six formats and the documented export options."""

from __future__ import annotations

from vms_desk.core.options import Capabilities, FormatSpec, OptionKind, OptionSpec
from vms_desk.core.tsformat import DEFAULT_TSFORMAT

VIDEO = ("mp4", "mkv", "avi", "exe")
FRAME = ("jpg", "pdf")
PDF = ("pdf",)
# The export page's table lists comment, croparea, maskspace, tsformat and color without limiting them
# to a format, and its own example body is {"format":"mp4","vc":4,"comment":"comment"}; only the
# snapshotplace/commentplace/tsplace/layout rows sit under "Parameters relevant for PDF export only".
# So these five are offered for every format (docs/vendors/axxon-one.md, point 3).
EVERY = VIDEO + FRAME

FORMATS = (
    FormatSpec(name="mp4", label="MP4 video"),
    FormatSpec(name="mkv", label="Matroska video (MKV)"),
    FormatSpec(name="avi", label="AVI video"),
    FormatSpec(name="exe", label="Self-contained player (EXE)"),
    FormatSpec(name="jpg", label="JPEG frame", frame=True),
    FormatSpec(name="pdf", label="PDF page with a frame", frame=True),
)


def _compression(name: str, label: str) -> OptionSpec:
    """vc/ac: a compression level for video formats, 0 (best) to 6 (worst)."""
    return OptionSpec(
        name=name,
        kind=OptionKind.INT,
        label=label,
        formats=VIDEO,
        minimum=0,
        maximum=6,
        default=0,
        help="0 is the best quality, 6 the worst.",
    )


def _place(name: str, label: str) -> OptionSpec:
    return OptionSpec(
        name=name,
        kind=OptionKind.AREA,
        label=label,
        formats=PDF,
        canvas="page",  # drawn over the PDF page, not over the camera frame
        help="A rectangle on the page, [[x1, y1], [x2, y2]] from the upper-left corner, 0 to 1.",
    )


OPTIONS = (
    OptionSpec(
        name="croparea",
        kind=OptionKind.AREA,
        label="Crop area",
        formats=EVERY,
        default=[[0, 0], [1, 1]],
        help="The part of the frame to export, [[x1, y1], [x2, y2]] from the upper-left corner, 0 to 1.",
    ),
    OptionSpec(
        name="maskspace",
        kind=OptionKind.POLYGONS,
        label="Privacy masks",
        formats=EVERY,
        help="Areas blacked out: each at least 3 corner points plus a closing point equal to one of them.",
    ),
    OptionSpec(
        name="tsformat",
        kind=OptionKind.TSFORMAT,
        label="Time stamp format",
        formats=EVERY,
        default=DEFAULT_TSFORMAT,
        help="A boost date_time template, e.g. %Y-%b-%d %H:%M:%S. The server does not check it.",
    ),
    OptionSpec(
        name="color",
        kind=OptionKind.COLOR,
        label="Text colour",
        formats=EVERY,
        help="Colour of the comment and time stamp, #RRGGBB.",
    ),
    OptionSpec(name="comment", kind=OptionKind.TEXT, label="Comment", formats=EVERY, maximum=1000),
    OptionSpec(
        name="maxfilesize",
        kind=OptionKind.INT,
        label="Maximum file size (bytes)",
        formats=VIDEO,
        minimum=0,
        default=0,
        help="0 makes one file; otherwise the export is split into several files.",
    ),
    _compression("vc", "Video compression"),
    _compression("ac", "Audio compression"),
    OptionSpec(
        name="freq",
        kind=OptionKind.INT,
        label="Frame rate",
        formats=VIDEO,
        minimum=0,
        maximum=3,
        default=0,
        help="0 original, 1 half, 2 a quarter, 3 one-eighth of the original frame rate.",
    ),
    _place("snapshotplace", "Frame position on the page"),
    _place("commentplace", "Comment position on the page"),
    _place("tsplace", "Time stamp position on the page"),
    # A CHOICE so the dialog shows the words; "1" and 1 from the CLI both validate, and the client
    # sends the number the server documents.
    OptionSpec(
        name="layout",
        kind=OptionKind.CHOICE,
        label="Page layout",
        formats=PDF,
        choices=("0", "1"),
        choice_labels=("Portrait", "Landscape"),
        default="0",
    ),
)

CAPABILITIES = Capabilities(formats=FORMATS, options=OPTIONS, recordings_known=True)
# Options whose values the server documents as numbers (a CHOICE validates to a string).
NUMERIC_OPTIONS = frozenset({"layout"})
