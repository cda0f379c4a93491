"""One editor per export-option kind, generated from the vendor's OptionSpec; none knows a vendor.

Every editor says what the user chose with `value()`: None means "not set, let the server use its
default", so a request carries only what the user changed. `problem()` reports what only the UI can
know (an unconfirmed password, an unfinished polygon); everything else is left to core validation.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QButtonGroup,
    QColorDialog,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from vms_desk.core.options import JsonValue, OptionKind, OptionSpec
from vms_desk.core.tsformat import DEFAULT_TSFORMAT, format_timestamp
from vms_desk.ui.export.area_editor import AreaEditor

_INT32 = 2**31 - 1
TSFORMAT_HELP = (
    "Flags: %Y year, %m month, %b month name, %d day, %H hour, %M minute, %S second, "
    "%a weekday, %j day of the year; any other text is copied."
)


class OptionEditor(QWidget):
    """Base of the per-kind editors.

    Signals:
        changed(): the value (or its problem) changed.
    """

    changed = Signal()

    def __init__(self, spec: OptionSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self.setObjectName(f"option_{spec.name}")
        self.setToolTip(spec.help)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        self._layout = QHBoxLayout()
        column.addLayout(self._layout)
        # The vendor's help says what a number means (e.g. "0 is the best quality"): show it, small.
        self.help = QLabel(spec.help, wordWrap=True)
        self.help.setStyleSheet("color: palette(placeholder-text);")
        self.help.setVisible(bool(spec.help) and spec.kind is not OptionKind.TSFORMAT)
        font = self.help.font()
        font.setPointSizeF(font.pointSizeF() * 0.9)
        self.help.setFont(font)
        column.addWidget(self.help)

    def value(self) -> JsonValue | None:
        """The chosen value, or None to leave it to the server."""
        raise NotImplementedError

    def problem(self) -> str:
        """A sentence about input the UI cannot accept yet, or ''."""
        return ""


class TextEditor(OptionEditor):
    """TEXT and PATH: a line of text; empty means not set."""

    def __init__(self, spec: OptionSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.edit = QLineEdit()
        self.edit.setAccessibleName(spec.label)
        if spec.kind is OptionKind.PATH:
            self.edit.setPlaceholderText("A folder on the server, e.g. D:\\Exports")
        if isinstance(spec.default, str):
            self.edit.setText(spec.default)
        self.edit.textChanged.connect(self.changed)
        self._layout.addWidget(self.edit)

    def value(self) -> JsonValue | None:
        """The text, or None when empty or the server's default."""
        text = self.edit.text()
        return None if not text or text == self.spec.default else text


class IntEditor(OptionEditor):
    """INT: a spin box within the declared range; without a default its lowest entry is 'Server default'."""

    def __init__(self, spec: OptionSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.spin = QSpinBox()
        self.spin.setAccessibleName(spec.label)
        low = spec.minimum if spec.minimum is not None else -_INT32 + 1
        high = min(spec.maximum, _INT32) if spec.maximum is not None else _INT32
        self._unset = spec.default is None
        if self._unset:
            low -= 1
            self.spin.setSpecialValueText("Server default")
        self.spin.setRange(low, high)
        self.spin.setValue(int(spec.default) if isinstance(spec.default, int | float) else low)
        self.spin.setGroupSeparatorShown(True)
        self.spin.setMinimumWidth(110)
        self.spin.valueChanged.connect(self.changed)
        self._layout.addWidget(self.spin)
        self._layout.addStretch(1)

    def value(self) -> JsonValue | None:
        """The number, or None at the server's default."""
        number = self.spin.value()
        if self._unset and number == self.spin.minimum():
            return None
        return None if number == self.spec.default else number


class ChoiceEditor(OptionEditor):
    """CHOICE: a combo of the declared choices (with their labels)."""

    def __init__(self, spec: OptionSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.combo = QComboBox()
        self.combo.setAccessibleName(spec.label)
        if spec.default is None and not spec.required:
            self.combo.addItem("Server default", None)
        labels = spec.choice_labels if len(spec.choice_labels) == len(spec.choices) else spec.choices
        for choice, label in zip(spec.choices, labels, strict=True):
            self.combo.addItem(label if label == choice else f"{label} ({choice})", choice)
        if spec.default is not None:
            self.combo.setCurrentIndex(max(0, self.combo.findData(str(spec.default))))
        self.combo.currentIndexChanged.connect(self.changed)
        self._layout.addWidget(self.combo)
        self._layout.addStretch(1)

    def value(self) -> JsonValue | None:
        """The choice, or None at the server's default."""
        choice = self.combo.currentData()
        return None if choice is None or choice == str(self.spec.default) else choice


def _swatch(color: QColor) -> QIcon:
    pixmap = QPixmap(28, 16)
    pixmap.fill(color)
    return QIcon(pixmap)


class ColorEditor(OptionEditor):
    """COLOR: a swatch button opening a colour dialog (non-modal), and a reset to the server default."""

    def __init__(self, spec: OptionSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self._color: QColor | None = None
        self.button = QPushButton()
        self.button.setAccessibleName(spec.label)
        self.button.clicked.connect(self.choose)
        self.reset = QToolButton(text="Default")
        self.reset.setToolTip("Let the server use its default colour")
        self.reset.clicked.connect(lambda: self.set_color(None))
        self.dialog: QColorDialog | None = None
        self._layout.addWidget(self.button)
        self._layout.addWidget(self.reset)
        self._layout.addStretch(1)
        self.set_color(QColor(spec.default) if isinstance(spec.default, str) else None)

    def choose(self) -> None:
        """Open the colour dialog without blocking (open(), never exec())."""
        self.dialog = QColorDialog(self._color or QColor("white"), self)
        self.dialog.setWindowTitle(self.spec.label)
        self.dialog.colorSelected.connect(self.set_color)
        self.dialog.open()

    def set_color(self, color: QColor | None) -> None:
        """Show and keep `color` (None: the server default)."""
        self._color = color if color is not None and color.isValid() else None
        shown = self._color or QColor("white")
        self.button.setIcon(_swatch(shown))
        self.button.setText(self._color.name().upper() if self._color else "Server default")
        self.reset.setEnabled(self._color is not None)
        self.changed.emit()

    def value(self) -> JsonValue | None:
        """#RRGGBB, or None for the server default."""
        return self._color.name().upper() if self._color else None


class TsformatEditor(OptionEditor):
    """TSFORMAT: the template, with a live preview of the stamp as the server renders it (in UTC)."""

    def __init__(self, spec: OptionSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self._when = datetime.now(UTC).replace(microsecond=0)
        self.edit = QLineEdit(objectName="tsformatEdit")
        self.edit.setAccessibleName(spec.label)
        default = spec.default if isinstance(spec.default, str) else DEFAULT_TSFORMAT
        self.edit.setPlaceholderText(default)
        self.edit.setToolTip(f"{spec.help}\n{TSFORMAT_HELP}".strip())
        self.preview = QLabel(objectName="tsformatPreview")
        self.preview.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.preview.setWordWrap(True)
        self.preview.setToolTip("The stamp as the server renders it: servers stamp frames in UTC.")
        self.edit.textChanged.connect(self._update)
        column = QVBoxLayout()
        column.setSpacing(2)
        column.addWidget(self.edit)
        column.addWidget(self.preview)
        self._layout.addLayout(column)
        self._update()

    def set_instant(self, when: datetime) -> None:
        """The instant the preview renders (the start of the selected span)."""
        self._when = when.astimezone(UTC)
        self._update()

    def template(self) -> str:
        """What the server will render: the text typed, or its default when empty."""
        return self.edit.text() or self.edit.placeholderText()

    def _update(self) -> None:
        stamp = html.escape(format_timestamp(self.template(), self._when))
        self.preview.setText(f"Preview (UTC): <b>{stamp}</b>")
        self.changed.emit()

    def value(self) -> JsonValue | None:
        """The template, or None when empty or the default."""
        text = self.edit.text()
        return None if not text or text == self.spec.default else text


class SecretEditor(OptionEditor):
    """SECRET: a password typed twice; it is handed over once and never stored."""

    def __init__(self, spec: OptionSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.edit = QLineEdit(placeholderText="Password")
        self.confirm = QLineEdit(placeholderText="Type it again")
        for edit, name in ((self.edit, spec.label), (self.confirm, f"{spec.label}, again")):
            edit.setEchoMode(QLineEdit.EchoMode.Password)
            edit.setAccessibleName(name)
            edit.textChanged.connect(self.changed)
            self._layout.addWidget(edit)

    def value(self) -> JsonValue | None:
        """The password, or None when none was typed."""
        return self.edit.text() or None

    def problem(self) -> str:
        """Refuse a password the user has not confirmed identically."""
        if self.edit.text() != self.confirm.text():
            if not self.confirm.text():
                return f"Type the {self.spec.label.lower()} a second time to confirm it."
            return f"The two {self.spec.label.lower()} entries differ: type the same password twice."
        return ""


_EDITORS: dict[OptionKind, type[OptionEditor]] = {
    OptionKind.TEXT: TextEditor,
    OptionKind.PATH: TextEditor,
    OptionKind.INT: IntEditor,
    OptionKind.CHOICE: ChoiceEditor,
    OptionKind.COLOR: ColorEditor,
    OptionKind.TSFORMAT: TsformatEditor,
    OptionKind.SECRET: SecretEditor,
}


def make_editor(spec: OptionSpec, parent: QWidget | None = None) -> OptionEditor | None:
    """The editor for a spec, or None for AREA/POLYGONS (drawn in an AreaPanel instead)."""
    kind = _EDITORS.get(spec.kind)
    return kind(spec, parent) if kind is not None else None


_RECT_COLORS = ("#f59e0b", "#3b82f6", "#10b981", "#a855f7")
_RECT_HINT = (
    "Drag to draw the {label}; drag inside it to move it, drag its edges to resize. Delete removes it."
)
_POLY_HINT = (
    "Click to add corners; double-click, Enter or a click on the first corner closes the mask. "
    "Drag corners to move them; click a mask and press Delete to remove it; Esc drops an unfinished one."
)


class AreaPanel(QWidget):
    """AREA and POLYGONS options of one canvas (frame or page): layer buttons, the editor and a hint.

    Signals:
        changed(): a drawing changed.
    """

    changed = Signal()

    def __init__(
        self,
        specs: list[OptionSpec],
        *,
        page: bool,
        image: bytes | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.specs = specs
        self.editor = AreaEditor(self, image=image)
        self.editor.setObjectName("areaEditor" if not page else "pageAreaEditor")
        if page:
            self.editor.set_page()
        self._buttons: dict[str, QToolButton] = {}
        self._group = QButtonGroup(self)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Draw:"))
        rects = 0
        for spec in specs:
            if spec.kind is OptionKind.POLYGONS:
                self.editor.enable_polygons(spec.name, spec.label)
            else:
                self.editor.add_rect(spec.name, spec.label, _RECT_COLORS[rects % len(_RECT_COLORS)])
                rects += 1
            button = QToolButton(text=spec.label, checkable=True, objectName=f"layer_{spec.name}")
            button.setToolTip(spec.help)
            button.clicked.connect(lambda _=False, name=spec.name: self._use(name))
            self._group.addButton(button)
            self._buttons[spec.name] = button
            bar.addWidget(button)
        bar.addStretch(1)
        clear = QToolButton(text="Clear", objectName="clearArea")
        clear.setToolTip("Remove what is drawn on the selected layer")
        clear.clicked.connect(lambda: self.editor.clear(self.editor.mode()))
        bar.addWidget(clear)
        self.hint = QLabel(wordWrap=True)
        self.hint.setStyleSheet("color: palette(placeholder-text);")
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(bar)
        column.addWidget(self.editor, 1)
        column.addWidget(self.hint)
        self.editor.changed.connect(self.changed)
        self.editor.modeChanged.connect(self._show_mode)
        if specs:
            self._use(specs[0].name)

    def _use(self, name: str) -> None:
        self.editor.set_mode(name)
        self._show_mode(name)
        self.editor.setFocus()

    def _show_mode(self, name: str) -> None:
        self._buttons[name].setChecked(True)
        spec = next(s for s in self.specs if s.name == name)
        kind_hint = (
            _POLY_HINT if spec.kind is OptionKind.POLYGONS else _RECT_HINT.format(label=spec.label.lower())
        )
        self.hint.setText(kind_hint)

    def set_format(self, fmt: str) -> bool:
        """Show only the layers that apply to `fmt`; False when none does (hide the panel then)."""
        applicable = [s for s in self.specs if s.applies_to(fmt)]
        for spec in self.specs:
            self._buttons[spec.name].setVisible(spec.applies_to(fmt))
        if applicable and self.editor.mode() not in {s.name for s in applicable}:
            self._use(applicable[0].name)
        return bool(applicable)

    def values(self, fmt: str) -> dict[str, JsonValue]:
        """The drawn values of the layers that apply to `fmt`."""
        names = {s.name for s in self.specs if s.applies_to(fmt)}
        return {k: v for k, v in self.editor.values().items() if k in names}

    def problem(self, fmt: str) -> str:
        """Refuse an unfinished mask polygon (its points would otherwise be silently dropped)."""
        polygons = [s for s in self.specs if s.kind is OptionKind.POLYGONS and s.applies_to(fmt)]
        if polygons and self.editor.pending_points():
            return (
                f"Finish the {polygons[0].label.lower()} you are drawing (double-click or Enter), "
                "or press Esc to drop it."
            )
        return ""
