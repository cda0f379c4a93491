"""Everything PySide6: models, views, dialogs and the bridge from job events to Qt signals."""
