"""Point python-vlc at the libVLC the Windows package brings, before anything imports `vlc`.

The Windows build puts `libvlc.dll`, `libvlccore.dll` and `plugins/` from the official VLC 3 zip in a
`vlc` folder beside the frozen app's modules, so investigators need no VLC installation. python-vlc looks
for libVLC once, when `vlc` is first imported, so this must run first thing at start-up. On Linux the
package relies on the system's libVLC and this does nothing.
"""

from __future__ import annotations

import os
import sys
from collections.abc import MutableMapping
from pathlib import Path

BUNDLE_FOLDER = "vlc"  # inside the frozen app's module folder (PyInstaller's _MEIPASS)
LIB_ENV = "PYTHON_VLC_LIB_PATH"
PLUGINS_ENV = "PYTHON_VLC_MODULE_PATH"
LIBRARY = "libvlc.dll"
CORE = "libvlccore.dll"


def bundle_root() -> Path | None:
    """The frozen app's module folder, or None when running from source."""
    meipass = getattr(sys, "_MEIPASS", None)
    return Path(meipass) if getattr(sys, "frozen", False) and meipass else None


def use_bundled_libvlc(
    root: Path | None = None, environ: MutableMapping[str, str] | None = None
) -> Path | None:
    """Set python-vlc's paths to `root/vlc` when a complete libVLC is there; returns that folder.

    A path the user set already wins. An incomplete bundle is ignored: python-vlc exits the whole
    process when PYTHON_VLC_LIB_PATH names a library that does not load, while without it the player
    only says that libVLC is missing.
    """
    env = os.environ if environ is None else environ
    root = bundle_root() if root is None else root
    if root is None or LIB_ENV in env:
        return None
    folder = root / BUNDLE_FOLDER
    if not all((folder / name).is_file() for name in (LIBRARY, CORE)) or not (folder / "plugins").is_dir():
        return None
    env[LIB_ENV] = str(folder / LIBRARY)
    env.setdefault(PLUGINS_ENV, str(folder / "plugins"))
    if sys.platform == "win32" and environ is None:
        # libvlc.dll loads libvlccore.dll from its own folder; say so explicitly for DLL search modes
        # that leave the loading library's folder out.
        os.add_dll_directory(str(folder))
    return folder
