"""Everything PySide6: models, views, dialogs and the bridge from job events to Qt signals."""

# Must run before any Qt call: guards against a PySide6 6.12 reference-count bug on Python 3.11.
from vms_desk.ui import qt as _qt  # noqa: F401
