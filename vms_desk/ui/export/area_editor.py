"""Draw export areas over a real frame (or a page): rectangles with handles and editable mask polygons.

Coordinates leave this module normalised to [0, 1] from the upper-left corner, as Axxon One wants them:
a rectangle is [[x1, y1], [x2, y2]] (first above-left of second), a polygon is its corner points plus a
closing point equal to the first.
"""

from __future__ import annotations

from enum import Enum

from PySide6.QtCore import QByteArray, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFocusEvent,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QPolygonF,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from vms_desk.ui.export.area_paint import GRAB_PX, PolygonLayer, RectLayer, Scene, paint_scene

MIN_RECT_PX = 4.0  # a smaller drag is a click, not a rectangle
DIGITS = 4  # 1/10000 of the frame is finer than any camera pixel
A4_PORTRAIT = 210 / 297

Point = tuple[float, float]


class FrameState(Enum):
    """What the canvas shows under the drawing: the server's frame, or why there is none (yet)."""

    BLANK = "blank"  # no frame was asked for
    LOADING = "loading"  # the server is making one (a one-frame export takes seconds)
    SHOWN = "shown"
    UNAVAILABLE = "unavailable"  # the server could not give one; `frame_message()` says why


_FRAME_TEXT = {
    FrameState.BLANK: "No camera frame here: draw over the blank frame.",
    FrameState.LOADING: (
        "Loading a frame from the server…\nYou can draw already: the frame appears under the drawing."
    ),
}


def _round(p: QPointF) -> list[float]:
    return [round(min(1.0, max(0.0, p.x())), DIGITS), round(min(1.0, max(0.0, p.y())), DIGITS)]


class AreaEditor(QWidget):
    """A canvas over a frame image where the mouse draws rectangles and mask polygons.

    Rectangles: drag to draw, drag inside to move, drag a handle to resize. Polygons: click to add
    points, double-click, Enter or a click on the first point to close, drag points to move them,
    click a polygon to select it and Delete to remove it; Esc drops the polygon being drawn.

    Signals:
        changed(): a rectangle or polygon was added, moved or removed.
        modeChanged(str): the layer the mouse edits changed.
    """

    changed = Signal()
    modeChanged = Signal(str)  # noqa: N815 - Qt signal naming

    def __init__(self, parent: QWidget | None = None, *, image: bytes | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("areaEditor")
        self.setAccessibleName("Area editor")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._image = QImage()
        self._aspect = 16 / 9
        self._page = False
        self._rects: dict[str, RectLayer] = {}
        self._polygons: PolygonLayer | None = None
        self._mode = ""
        self._drag: tuple[str, object] | None = None  # (what, detail) while a button is down
        self._press = QPointF()
        self._start_rect: QRectF | None = None
        self._hover: QPointF | None = None
        self._frame_state = FrameState.BLANK
        self._frame_message = ""
        self.set_image(image)

    # --- canvas -----------------------------------------------------------------------------------
    def set_image(self, data: bytes | None) -> bool:
        """Show a frame (JPEG/PNG bytes); None leaves a grey 16:9 canvas, undecodable data says so."""
        image = QImage()
        if data:
            image.loadFromData(QByteArray(data))
        self._image = image
        self._page = False
        if not image.isNull():
            self._aspect = image.width() / image.height()
            self._set_frame_state(FrameState.SHOWN)
        elif data:
            self.set_unavailable("The server sent a frame vms_desk cannot decode.")
        else:
            self._set_frame_state(FrameState.BLANK)
        return not image.isNull()

    def set_loading(self) -> None:
        """Say that a frame is on its way (the grey canvas stays drawable meanwhile)."""
        self._image = QImage()
        self._set_frame_state(FrameState.LOADING)

    def set_unavailable(self, reason: str) -> None:
        """Say why there is no frame (a sentence for the user); drawing goes on over a grey canvas."""
        self._image = QImage()
        self._set_frame_state(FrameState.UNAVAILABLE, reason)

    def frame_state(self) -> FrameState:
        """What the canvas shows under the drawing."""
        return self._frame_state

    def frame_message(self) -> str:
        """The sentence painted on the canvas when no frame is shown ('' when one is)."""
        if self._frame_state is FrameState.UNAVAILABLE:
            reason = self._frame_message.strip()
            return (
                f"The server could not give a frame to draw on.\n{reason}\n\n"
                "Draw over the blank frame: the areas apply to the exported image all the same."
            )
        return _FRAME_TEXT.get(self._frame_state, "")

    def _set_frame_state(self, state: FrameState, message: str = "") -> None:
        self._frame_state, self._frame_message = state, message
        self.setAccessibleDescription(self.frame_message())
        self.update()

    def set_page(self, aspect: float = A4_PORTRAIT) -> None:
        """Draw over a blank page of this width/height ratio (for placements on a PDF page)."""
        self._image, self._page, self._aspect = QImage(), True, aspect
        self.update()

    def has_image(self) -> bool:
        """True when a real frame is shown."""
        return not self._image.isNull()

    def canvas_rect(self) -> QRectF:
        """Where the frame is drawn: the largest rectangle of its aspect inside the widget margins."""
        room = QRectF(self.rect()).adjusted(8, 8, -8, -8)
        width = min(room.width(), room.height() * self._aspect)
        height = width / self._aspect
        return QRectF(room.center().x() - width / 2, room.center().y() - height / 2, width, height)

    def to_norm(self, pos: QPointF) -> QPointF:
        """Widget position as a normalised frame point, clamped into the frame."""
        r = self.canvas_rect()
        x = min(1.0, max(0.0, (pos.x() - r.left()) / r.width()))
        y = min(1.0, max(0.0, (pos.y() - r.top()) / r.height()))
        return QPointF(x, y)

    def to_widget(self, p: QPointF) -> QPointF:
        """Normalised frame point as a widget position."""
        r = self.canvas_rect()
        return QPointF(r.left() + p.x() * r.width(), r.top() + p.y() * r.height())

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        """A comfortable drawing size."""
        return QSize(480, int(480 / self._aspect) + 16)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt override
        """Small but still usable."""
        return QSize(240, 160)

    # --- layers -----------------------------------------------------------------------------------
    def add_rect(self, name: str, label: str, color: QColor | str = "#f59e0b") -> None:
        """Offer a rectangle called `name` (an AREA option); the first layer added is the active one."""
        self._rects[name] = RectLayer(name, label, QColor(color))
        self._mode = self._mode or name

    def enable_polygons(self, name: str, label: str) -> None:
        """Offer mask polygons under the option name `name`."""
        self._polygons = PolygonLayer(name, label)
        self._mode = self._mode or name

    def layers(self) -> list[tuple[str, str]]:
        """(name, label) of every layer, rectangles first."""
        result = [(r.name, r.label) for r in self._rects.values()]
        return result + ([(self._polygons.name, self._polygons.label)] if self._polygons else [])

    def mode(self) -> str:
        """The layer the mouse edits."""
        return self._mode

    def set_mode(self, name: str) -> None:
        """Make `name` the layer the mouse edits."""
        if name not in self._rects and (self._polygons is None or self._polygons.name != name):
            raise KeyError(name)
        if name != self._mode:
            self._mode = name
            self.modeChanged.emit(name)
        self.update()

    # --- values -------------------------------------------------------------------------------------
    def rect_value(self, name: str) -> list[list[float]] | None:
        """[[x1, y1], [x2, y2]] normalised, or None when the rectangle is not drawn."""
        rect = self._rects[name].rect
        if rect is None:
            return None
        return [_round(rect.topLeft()), _round(rect.bottomRight())]

    def set_rect(self, name: str, value: list[list[float]] | None) -> None:
        """Set (or clear with None) a rectangle from normalised [[x1, y1], [x2, y2]]."""
        layer = self._rects[name]
        layer.rect = None if value is None else QRectF(QPointF(*value[0]), QPointF(*value[1])).normalized()
        self._changed()

    def polygons_value(self) -> list[list[list[float]]] | None:
        """Closed polygons, each with its closing point (= first point), or None when there are none."""
        if self._polygons is None or not self._polygons.closed:
            return None
        return [[_round(p) for p in [*poly, poly[0]]] for poly in self._polygons.closed]

    def set_polygons(self, value: list[list[list[float]]] | None) -> None:
        """Replace the polygons; a closing point equal to the first is dropped (it is added on output)."""
        assert self._polygons is not None
        polygons = []
        for poly in value or []:
            points = [QPointF(x, y) for x, y in poly]
            if len(points) > 1 and points[-1] == points[0]:
                points.pop()
            polygons.append(points)
        self._polygons.closed, self._polygons.pending, self._polygons.selected = polygons, [], None
        self._changed()

    def pending_points(self) -> int:
        """Points of the polygon being drawn and not yet closed (0 when none)."""
        return len(self._polygons.pending) if self._polygons else 0

    def values(self) -> dict[str, object]:
        """{option name: normalised value} for every layer that is drawn."""
        result: dict[str, object] = {}
        for name in self._rects:
            value = self.rect_value(name)
            if value is not None:
                result[name] = value
        polygons = self.polygons_value()
        if self._polygons is not None and polygons is not None:
            result[self._polygons.name] = polygons
        return result

    def clear(self, name: str | None = None) -> None:
        """Remove the drawing of one layer (or of every layer)."""
        for layer in self._rects.values():
            if name in (None, layer.name):
                layer.rect = None
        if self._polygons is not None and name in (None, self._polygons.name):
            self._polygons.closed, self._polygons.pending, self._polygons.selected = [], [], None
        self._changed()

    def close_polygon(self) -> bool:
        """Close the polygon being drawn; False (nothing changes) with fewer than 3 distinct points."""
        poly = self._polygons
        if poly is None or len({(p.x(), p.y()) for p in poly.pending}) < 3:
            return False
        poly.closed.append(poly.pending)
        poly.pending, poly.selected = [], len(poly.closed) - 1
        self._changed()
        return True

    def _changed(self) -> None:
        self.update()
        self.changed.emit()

    # --- mouse ------------------------------------------------------------------------------------
    def _is_polygon_mode(self) -> bool:
        return self._polygons is not None and self._mode == self._polygons.name

    def _near(self, a: QPointF, b: QPointF) -> bool:
        d = a - b
        return abs(d.x()) <= GRAB_PX and abs(d.y()) <= GRAB_PX

    def _rect_handle(self, layer: RectLayer, pos: QPointF) -> str:
        """Which part of a rectangle is under pos: 'l','r','t','b' edges/corners combined, 'move' or ''."""
        if layer.rect is None:
            return ""
        r = QRectF(self.to_widget(layer.rect.topLeft()), self.to_widget(layer.rect.bottomRight()))
        near_x = {"l": abs(pos.x() - r.left()) <= GRAB_PX, "r": abs(pos.x() - r.right()) <= GRAB_PX}
        near_y = {"t": abs(pos.y() - r.top()) <= GRAB_PX, "b": abs(pos.y() - r.bottom()) <= GRAB_PX}
        inside_x = r.left() - GRAB_PX <= pos.x() <= r.right() + GRAB_PX
        inside_y = r.top() - GRAB_PX <= pos.y() <= r.bottom() + GRAB_PX
        edges = "".join(k for k, v in near_x.items() if v and inside_y)
        edges += "".join(k for k, v in near_y.items() if v and inside_x)
        if edges:
            return edges
        return "move" if r.contains(pos) else ""

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        if event.button() != Qt.MouseButton.LeftButton or not self._mode:
            return
        pos = event.position()
        self._press = pos
        if self._is_polygon_mode():
            self._press_polygon(pos)
            return
        layer = self._rects[self._mode]
        part = self._rect_handle(layer, pos)
        self._start_rect = QRectF(layer.rect) if layer.rect is not None else None
        self._drag = ("rect", part or "new")

    def _press_polygon(self, pos: QPointF) -> None:
        poly = self._polygons
        assert poly is not None
        for i, points in enumerate([*poly.closed, poly.pending]):
            for j, p in enumerate(points):
                if self._near(self.to_widget(p), pos):
                    if i == len(poly.closed) and j == 0 and len(points) >= 3:
                        self.close_polygon()  # a click on the first point closes the shape
                        return
                    poly.selected = i if i < len(poly.closed) else None
                    self._drag = ("point", (i, j))
                    self.update()
                    return
        if not poly.pending:
            for i, points in enumerate(poly.closed):
                if QPolygonF([self.to_widget(p) for p in points]).containsPoint(pos, Qt.FillRule.OddEvenFill):
                    poly.selected = i
                    self.update()
                    return
        poly.pending.append(self.to_norm(pos))
        poly.selected = None
        self._changed()  # no value changes yet, but "a mask is unfinished" does

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        pos = event.position()
        self._hover = pos
        if self._drag is None:
            self.update()
            return
        kind, detail = self._drag
        if kind == "point":
            assert self._polygons is not None
            assert isinstance(detail, tuple)
            i, j = detail
            shapes = [*self._polygons.closed, self._polygons.pending]
            shapes[i][j] = self.to_norm(pos)
            self._changed()
        elif kind == "rect":
            self._drag_rect(str(detail), pos)

    def _drag_rect(self, part: str, pos: QPointF) -> None:
        layer = self._rects[self._mode]
        here, start = self.to_norm(pos), self.to_norm(self._press)
        if part == "new":
            if (pos - self._press).manhattanLength() < MIN_RECT_PX:
                return
            layer.rect = QRectF(start, here).normalized()
        elif part == "move" and self._start_rect is not None:
            r = QRectF(self._start_rect)
            shift = here - start
            dx = min(max(shift.x(), -r.left()), 1.0 - r.right())
            dy = min(max(shift.y(), -r.top()), 1.0 - r.bottom())
            layer.rect = r.translated(dx, dy)
        elif self._start_rect is not None:
            r = QRectF(self._start_rect)
            if "l" in part:
                r.setLeft(here.x())
            if "r" in part:
                r.setRight(here.x())
            if "t" in part:
                r.setTop(here.y())
            if "b" in part:
                r.setBottom(here.y())
            layer.rect = r.normalized()
        self._changed()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        if self._drag is not None and self._drag[0] == "rect":
            rect = self._rects[self._mode].rect
            if rect is not None and (rect.width() <= 0 or rect.height() <= 0):
                self._rects[self._mode].rect = self._start_rect
                self._changed()
        self._drag = None

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        # The first click of the double-click already added a point here: close the shape with it.
        if self._is_polygon_mode():
            self.close_polygon()

    def leaveEvent(self, event: object) -> None:  # noqa: N802 - Qt override
        self._hover = None
        self.update()

    # --- keyboard ----------------------------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        poly, key = self._polygons, event.key()
        if poly is not None and key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and poly.pending:
            self.close_polygon()
        elif poly is not None and key == Qt.Key.Key_Escape and poly.pending:
            poly.pending = []
            self._changed()
        elif poly is not None and key == Qt.Key.Key_Backspace and poly.pending:
            poly.pending.pop()
            self._changed()
        elif key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            if poly is not None and self._is_polygon_mode() and poly.selected is not None:
                del poly.closed[poly.selected]
                poly.selected = None
                self._changed()
            elif self._mode in self._rects:
                self.clear(self._mode)
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    def focusInEvent(self, event: QFocusEvent) -> None:  # noqa: N802 - Qt override
        super().focusInEvent(event)
        self.update()

    def focusOutEvent(self, event: QFocusEvent) -> None:  # noqa: N802 - Qt override
        super().focusOutEvent(event)
        self.update()

    # --- painting ----------------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        painter = QPainter(self)
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            scene = Scene(
                canvas=self.canvas_rect(),
                image=self._image,
                page=self._page,
                message=self.frame_message(),
                rects=list(self._rects.values()),
                polygons=self._polygons,
                mode=self._mode,
                hover=self._hover,
                to_widget=self.to_widget,
            )
            paint_scene(painter, scene)
            if self.hasFocus():
                painter.setPen(QPen(self.palette().color(QPalette.ColorRole.Highlight), 2))
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawRect(QRectF(self.rect()).adjusted(1, 1, -1, -1))
        finally:
            painter.end()
