"""The main window, its menus and centre panel, the crash dialog and the GUI-thread collector."""
