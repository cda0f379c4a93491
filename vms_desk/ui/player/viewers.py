"""Built-in viewers for exported evidence: images (zoom, fit, 100%) and PDFs; one chooser by extension."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QPointF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPixmap, QResizeEvent, QWheelEvent
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import (
    QGraphicsPixmapItem,
    QGraphicsScene,
    QGraphicsView,
    QHBoxLayout,
    QLabel,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from vms_desk.ui.player.player import open_player

VIDEO_SUFFIXES = frozenset({".mkv", ".mp4", ".avi", ".mov", ".asf", ".flv", ".ts"})
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp"})
PDF_SUFFIXES = frozenset({".pdf"})
MIN_ZOOM, MAX_ZOOM = 0.05, 32.0
WHEEL_STEP = 1.25


def viewer_kind(path: Path) -> str | None:
    """'video', 'image' or 'pdf' by file extension; None when there is no built-in viewer."""
    suffix = path.suffix.lower()
    for kind, suffixes in (("video", VIDEO_SUFFIXES), ("image", IMAGE_SUFFIXES), ("pdf", PDF_SUFFIXES)):
        if suffix in suffixes:
            return kind
    return None


def _toolbar(*buttons: QToolButton) -> QHBoxLayout:
    bar = QHBoxLayout()
    for button in buttons:
        bar.addWidget(button)
    return bar


class _ZoomView(QGraphicsView):
    """A graphics view whose wheel zooms around the mouse."""

    def __init__(self, owner: ImageViewer) -> None:
        super().__init__()
        self._owner = owner
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setBackgroundBrush(QColor("#2b2b2b"))

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 - Qt override
        steps = event.angleDelta().y() / 120
        if steps:
            self._owner.zoom_by(WHEEL_STEP**steps)
        event.accept()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._owner.refit()


class ImageViewer(QWidget):
    """A JPEG/PNG with zoom by wheel, Fit and 100%, and drag to pan."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("imageViewer")
        self._fit = True
        self._scene = QGraphicsScene(self)
        self._item = QGraphicsPixmapItem()
        self._item.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
        self._scene.addItem(self._item)
        self.view = _ZoomView(self)
        self.view.setObjectName("imageView")
        self.view.setScene(self._scene)
        self.view.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        self.fitButton = QToolButton(objectName="fitButton", text="Fit", checkable=True, checked=True)
        self.fitButton.clicked.connect(self.fit)
        self.actualButton = QToolButton(objectName="actualSizeButton", text="100%")
        self.actualButton.clicked.connect(lambda: self.set_zoom(1.0))
        zoom_in = QToolButton(text="+", toolTip="Zoom in (wheel up)")
        zoom_in.clicked.connect(lambda: self.zoom_by(WHEEL_STEP))
        zoom_out = QToolButton(text="−", toolTip="Zoom out (wheel down)")
        zoom_out.clicked.connect(lambda: self.zoom_by(1 / WHEEL_STEP))
        self.info = QLabel(objectName="imageInfo")
        bar = _toolbar(self.fitButton, self.actualButton, zoom_in, zoom_out)
        bar.addWidget(self.info, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)

    def load(self, path: Path) -> bool:
        """Show the image at `path`; False (and a message) when it cannot be read."""
        image = QImage(str(path))
        if image.isNull():
            self.info.setText(f"vms_desk cannot read {path.name} as an image: the file may be damaged.")
            self._item.setPixmap(QPixmap())
            return False
        self.set_image(image, path.name)
        return True

    def set_image(self, image: QImage, name: str = "") -> None:
        """Show an image, fitted to the view."""
        self._item.setPixmap(QPixmap.fromImage(image))
        self._scene.setSceneRect(self._item.boundingRect())
        self._name = (
            f"{name} — {image.width()}×{image.height()} px"
            if name
            else f"{image.width()}×{image.height()} px"
        )
        self.fit()

    def image_size(self) -> QSize:
        """Size of the image shown (empty when none)."""
        return self._item.pixmap().size()

    def zoom(self) -> float:
        """The current scale: 1.0 is one image pixel per screen pixel."""
        return self.view.transform().m11()

    def set_zoom(self, factor: float) -> None:
        """Show at `factor` (clamped to 5 %–3200 %), leaving fit mode."""
        factor = min(MAX_ZOOM, max(MIN_ZOOM, factor))
        self._fit = False
        self.fitButton.setChecked(False)
        self.view.resetTransform()
        self.view.scale(factor, factor)
        self._show_info()

    def zoom_by(self, factor: float) -> None:
        """Zoom relative to the current scale (around the mouse when it is over the image)."""
        target = min(MAX_ZOOM, max(MIN_ZOOM, self.zoom() * factor))
        self._fit = False
        self.fitButton.setChecked(False)
        self.view.scale(target / self.zoom(), target / self.zoom())
        self._show_info()

    def fit(self) -> None:
        """Show the whole image, and keep it whole when the window is resized."""
        self._fit = True
        self.fitButton.setChecked(True)
        self.refit()

    def refit(self) -> None:
        """Re-apply fit mode after a resize."""
        if self._fit and not self._item.pixmap().isNull():
            self.view.fitInView(self._item, Qt.AspectRatioMode.KeepAspectRatio)
            self._show_info()

    def _show_info(self) -> None:
        mode = "fit, " if self._fit else ""
        self.info.setText(f"{getattr(self, '_name', '')}   ({mode}{self.zoom():.0%})")


class PdfViewer(QWidget):
    """A PDF (QtPdf): pages on white, continuous scrolling, fit width / fit page / 100 %."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pdfViewer")
        self.document = QPdfDocument(self)
        self.view = QPdfView(self)
        self.view.setObjectName("pdfView")
        self.view.setDocument(self.document)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self._fit_page = True
        self.view.viewport().installEventFilter(self)
        fit_page = QToolButton(text="Fit page", objectName="fitPageButton")
        fit_page.clicked.connect(self.fit_page)
        fit_width = QToolButton(text="Fit width", objectName="fitWidthButton")
        fit_width.clicked.connect(self._fit_width)
        actual = QToolButton(text="100%", objectName="actualSizeButton")
        actual.clicked.connect(self._actual_size)
        self.info = QLabel(objectName="pdfInfo")
        bar = _toolbar(fit_page, fit_width, actual)
        bar.addWidget(self.info, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)

    def load(self, path: Path) -> bool:
        """Open the PDF at `path`; False (and a message) when QtPdf cannot read it."""
        error = self.document.load(str(path))
        if error != QPdfDocument.Error.None_:
            self.info.setText(f"vms_desk cannot open {path.name} as a PDF ({error.name}).")
            return False
        pages = self.document.pageCount()
        # A lone page fits whole only in single-page mode (multi-page mode keeps room to scroll on).
        mode = QPdfView.PageMode.SinglePage if pages == 1 else QPdfView.PageMode.MultiPage
        self.view.setPageMode(mode)
        if self._fit_page:
            self.fit_page()
        self.info.setText(f"{path.name} — {pages} page{'s' if pages != 1 else ''}")
        return True

    def page_count(self) -> int:
        """Pages in the document (0 when none is open)."""
        return self.document.pageCount()

    def render_page(self, index: int, width: int = 800) -> QImage:
        """Page `index` as an opaque image `width` px wide (QtPdf renders onto transparency: add white)."""
        size = self.document.pagePointSize(index)
        height = round(width * size.height() / size.width()) if size.width() else width
        page = self.document.render(index, QSize(width, height))
        image = QImage(page.size(), QImage.Format.Format_RGB32)
        image.fill(QColor("white"))
        painter = QPainter(image)
        painter.drawImage(QPointF(0, 0), page)
        painter.end()
        return image

    def fit_page(self) -> None:
        """Show the first page whole, and keep it whole when the window is resized."""
        self._fit_page = True
        size = self.document.pagePointSize(0)
        if size.isEmpty():
            return
        # QPdfView's own FitInView leaves the page a few pixels too tall for the view (a scrollbar and a
        # clipped bottom edge): compute the factor ourselves, in QPdfView's units (1.0 = 72 dpi points
        # drawn at the screen's logical dpi), inside its document margins.
        margins = self.view.documentMargins()
        room_w = self.view.viewport().width() - margins.left() - margins.right()
        room_h = (
            self.view.viewport().height() - margins.top() - margins.bottom() - self.view.pageSpacing() - 1
        )
        scale = self.view.logicalDpiX() / 72
        factor = min(room_w / (size.width() * scale), room_h / (size.height() * scale))
        self.view.setZoomMode(QPdfView.ZoomMode.Custom)
        self.view.setZoomFactor(max(0.05, factor))

    def _fit_width(self) -> None:
        self._fit_page = False
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)

    def _actual_size(self) -> None:
        self._fit_page = False
        self.view.setZoomMode(QPdfView.ZoomMode.Custom)
        self.view.setZoomFactor(1.0)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        """Keep fit-page mode when the view's viewport changes size."""
        if watched is self.view.viewport() and event.type() == QEvent.Type.Resize and self._fit_page:
            self.fit_page()
        return super().eventFilter(watched, event)


def open_viewer_for(path: Path, parent: QWidget | None = None) -> QWidget:
    """A widget showing `path`: the player for video, an image or PDF viewer, or a note why not."""
    path = Path(path)
    kind = viewer_kind(path)
    widget: QWidget
    if kind == "video":
        widget = open_player(path, parent)
    elif kind == "image":
        image = ImageViewer(parent)
        image.load(path)
        widget = image
    elif kind == "pdf":
        pdf = PdfViewer(parent)
        pdf.load(path)
        widget = pdf
    else:
        widget = QLabel(
            f"vms_desk has no built-in viewer for {path.suffix or 'this kind of'} files: "
            "open the evidence folder to use the file with another program.",
            parent,
            objectName="noViewer",
            wordWrap=True,
        )
    widget.setWindowTitle(f"{path.name} — vms_desk")
    return widget


# The name the evidence browser uses; the same chooser.
open_viewer = open_viewer_for
