"""Painting of the area editor: the frame (or a page, or a grey canvas saying why there is no frame),
rectangles with their handles, and mask polygons as the server will black them out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QImage, QPainter, QPainterPath, QPen, QPolygonF

GRAB_PX = 7.0  # how close (px) the mouse must be to a handle or a point to take it
MASK_COLOR = QColor("#ef4444")


@dataclass
class RectLayer:
    """A named rectangle (an AREA option); None until drawn."""

    name: str
    label: str
    color: QColor
    rect: QRectF | None = None  # normalised


@dataclass
class PolygonLayer:
    """The mask polygons (a POLYGONS option): closed polygons and the one being drawn."""

    name: str
    label: str
    closed: list[list[QPointF]] = field(default_factory=list)
    pending: list[QPointF] = field(default_factory=list)
    selected: int | None = None


@dataclass(frozen=True)
class Scene:
    """What one paint needs to know of the editor."""

    canvas: QRectF
    image: QImage
    page: bool
    message: str  # shown on the grey canvas when there is no frame
    rects: list[RectLayer]
    polygons: PolygonLayer | None
    mode: str
    hover: QPointF | None
    to_widget: Callable[[QPointF], QPointF]


def paint_scene(p: QPainter, scene: Scene) -> None:
    """The canvas, then every rectangle, then the polygons."""
    _paint_canvas(p, scene)
    for layer in scene.rects:
        _paint_rect(p, scene, layer)
    if scene.polygons is not None:
        _paint_polygons(p, scene, scene.polygons)


def _paint_canvas(p: QPainter, scene: Scene) -> None:
    r = scene.canvas
    if not scene.image.isNull():
        p.drawImage(r, scene.image)
    elif scene.page:
        p.fillRect(r.translated(3, 3), QColor(0, 0, 0, 40))
        p.fillRect(r, QColor("white"))
        p.setPen(QPen(QColor("#9ca3af"), 1))
        p.drawRect(r)
    else:
        p.fillRect(r, QColor("#4b5563"))
        p.setPen(QColor("#e5e7eb"))
        flags = Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap
        p.drawText(r.adjusted(16, 12, -16, -12), int(flags), scene.message)


def _paint_rect(p: QPainter, scene: Scene, layer: RectLayer) -> None:
    if layer.rect is None:
        return
    r = QRectF(scene.to_widget(layer.rect.topLeft()), scene.to_widget(layer.rect.bottomRight()))
    active = layer.name == scene.mode
    if not scene.page:
        # A crop shows what is cut away: dim everything outside the rectangle.
        outside = QPainterPath()
        outside.addRect(scene.canvas)
        inner = QPainterPath()
        inner.addRect(r)
        p.fillPath(outside.subtracted(inner), QColor(0, 0, 0, 150))
    else:
        fill = QColor(layer.color)
        fill.setAlpha(50)
        p.fillRect(r, fill)
    p.setPen(QPen(layer.color, 2 if active else 1, Qt.PenStyle.DashLine))
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawRect(r)
    p.setPen(layer.color if scene.page else QColor("white"))
    label = p.fontMetrics().elidedText(layer.label, Qt.TextElideMode.ElideRight, max(0, int(r.width()) - 8))
    p.drawText(r.adjusted(4, 2, -4, -2), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, label)
    if active:
        p.setPen(QPen(QColor("white"), 1))
        p.setBrush(layer.color)
        xs, ys = (r.left(), r.center().x(), r.right()), (r.top(), r.center().y(), r.bottom())
        for x in xs:
            for y in ys:
                if (x, y) != (r.center().x(), r.center().y()):
                    p.drawRect(QRectF(x - 4, y - 4, 8, 8))


def _paint_polygons(p: QPainter, scene: Scene, poly: PolygonLayer) -> None:
    active = scene.polygons is not None and scene.mode == scene.polygons.name
    for i, points in enumerate(poly.closed):
        shape = QPolygonF([scene.to_widget(q) for q in points])
        selected = i == poly.selected and active
        p.setBrush(QBrush(QColor(0, 0, 0, 200)))  # as exported: masked areas come out black
        p.setPen(QPen(QColor("#fbbf24") if selected else MASK_COLOR, 3 if selected else 2))
        p.drawPolygon(shape)
        if active:
            _paint_points(p, list(shape), MASK_COLOR)
    if poly.pending:
        drawn = [scene.to_widget(q) for q in poly.pending]
        p.setPen(QPen(MASK_COLOR, 2, Qt.PenStyle.DashLine))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawPolyline(QPolygonF(drawn + ([scene.hover] if scene.hover is not None else [])))
        _paint_points(p, drawn, MASK_COLOR)
        if len(drawn) >= 3:
            # The first point is where a click closes the polygon: ring it.
            p.setPen(QPen(QColor("white"), 2))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawEllipse(drawn[0], GRAB_PX + 2, GRAB_PX + 2)


def _paint_points(p: QPainter, points: list[QPointF], color: QColor) -> None:
    p.setPen(QPen(QColor("white"), 1))
    p.setBrush(color)
    for q in points:
        p.drawEllipse(q, 4, 4)
