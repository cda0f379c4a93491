"""Import this before using PySide6: it guards against a PySide6 6.12 reference-count bug on Python 3.11.

Measured here (PySide6-Essentials 6.12.0, shiboken6 6.12.0, cp310-abi3 wheels, CPython 3.11.7): every call
of a Qt method that returns nothing (``QWidget.update()``, ``QPainter.drawLine()``, ...) drops one
reference to ``None`` that it never took, and some calls do the same to ``True``/``False``. From Python 3.12
these objects are immortal and the bug is invisible; on 3.11 the count reaches zero after about 5,000 such
calls and CPython aborts with "Fatal Python error: none_dealloc: deallocating None". The cure is Python
3.12+ or a fixed PySide6; until then we give the singletons the practically infinite reference count that
3.12 gives them by design, so no amount of lost references can bring them to zero.
"""

from __future__ import annotations

import ctypes
import sys

# 2**40 lost references at, say, a million a second would take twelve days to use up.
_HEADROOM = 1 << 40


def immortalise_singletons() -> bool:
    """Give None/True/False/... a huge reference count on CPython < 3.12; True when it was applied."""
    if sys.implementation.name != "cpython" or sys.version_info >= (3, 12):
        return False
    if hasattr(sys, "gettotalrefcount"):
        # A debug build puts other fields before ob_refcnt: leave it alone.
        return False
    for obj in (None, True, False, Ellipsis, NotImplemented):
        # ob_refcnt is the first field of every object in a release build of CPython 3.11.
        ctypes.c_ssize_t.from_address(id(obj)).value += _HEADROOM
    return True


# Module import runs once per process, so the headroom is added once.
APPLIED = immortalise_singletons()
