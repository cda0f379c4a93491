"""What this vms_desk is made of: the versions `vms-desk --version` prints and every manifest records.

Qt-free on purpose: Qt's version comes from the installed package's metadata, so `--version` (and the
frozen build's smoke test) work without a display and without loading Qt.
"""

from __future__ import annotations

import contextlib
import functools
import platform
from importlib import metadata

from vms_desk import APP_NAME, __version__

NOT_FOUND = "not found"
# PySide6 6.12 ships in split wheels; the first one installed names the Qt version.
QT_DISTRIBUTIONS = ("PySide6-Essentials", "PySide6")


def _distribution_version(*names: str) -> str:
    for name in names:
        with contextlib.suppress(metadata.PackageNotFoundError):
            return metadata.version(name)
    return NOT_FOUND


def libvlc_version() -> str:
    """libVLC's own version when python-vlc can load it, else `not found`."""
    try:
        import vlc
    # python-vlc raises ImportError, OSError or NotImplementedError when libVLC is missing, and calls
    # sys.exit(1) when PYTHON_VLC_LIB_PATH names a library that does not load.
    except (Exception, SystemExit):
        return NOT_FOUND
    raw = vlc.libvlc_get_version()
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    return text.split(" ", 1)[0] or NOT_FOUND


def vendor_protocols() -> tuple[str, ...]:
    """The vendors in the registry, by their CLI names."""
    # Imported here: evidence/ records these versions but must not depend on vendors/ at import time.
    from vms_desk.vendors.registry import SPECS

    return tuple(spec.key for spec in SPECS.values())


def library_versions() -> dict[str, str]:
    """Python, Qt, libVLC, PyAV and the vendor protocol set (a fresh copy of what was gathered)."""
    return dict(_gather())


@functools.cache  # loading libVLC and every vendor client once per process is enough
def _gather() -> dict[str, str]:
    return {
        "python": platform.python_version(),
        "qt": _distribution_version(*QT_DISTRIBUTIONS),
        "libvlc": libvlc_version(),
        "pyav": _distribution_version("av"),
        "vendor_protocols": " ".join(vendor_protocols()),
    }


def version_text() -> str:
    """The multi-line answer of `vms-desk --version`."""
    lines = [f"{APP_NAME} {__version__}"]
    lines += [f"{name}: {value}" for name, value in library_versions().items()]
    return "\n".join(lines)
