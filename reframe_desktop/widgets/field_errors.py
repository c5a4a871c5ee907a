"""Submit-time validation errors shown next to the fields they are about.

``client.submit`` raises ``media_core.errors.InvalidParameterError`` at once when a field is
wrong; its ``field_errors`` maps a request field (``"input"``, ``"max_lines"``,
``"transcription.threads"``) to a readable message. A tab wraps each field with
``FieldErrors.wrap(name, widget)`` and passes the exception to ``show``: each message
appears in red under its field, the rest (or the whole message, when no field is named) in
the tab's general error label."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

ERROR_STYLE = "color: #d9443a;"


def error_label() -> QLabel:
    label = QLabel()
    label.setStyleSheet(ERROR_STYLE)
    label.setWordWrap(True)
    return label


class FieldErrors:
    def __init__(self, general: QLabel):
        self.general = general
        self.labels: dict[str, QLabel] = {}
        self.widgets: dict[str, QWidget] = {}

    def wrap(self, name: str, widget: QWidget, *aliases: str) -> QWidget:
        """``widget`` with a hidden error line under it, shown for ``name`` (or an alias)."""
        box = QWidget()
        lay = QVBoxLayout(box)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addWidget(widget)
        label = error_label()
        label.setObjectName(f"error_{name}")
        label.hide()
        lay.addWidget(label)
        for key in (name, *aliases):
            self.labels[key] = label
            self.widgets[key] = widget
        return box

    def label(self, name: str) -> QLabel:
        return self.labels[name]

    def clear(self) -> None:
        self.general.clear()
        for label in self.labels.values():
            label.clear()
            label.hide()

    def _key_for(self, field: str) -> str | None:
        # "transcription.threads" → "transcription.threads", then "transcription"; "formats.0" → "formats"
        parts = field.split(".")
        for n in range(len(parts), 0, -1):
            key = ".".join(parts[:n])
            if key in self.labels:
                return key
        return None

    def show_field(self, field: str, message: str) -> bool:
        """Show ``message`` under ``field``; False when no field of this form has that name."""
        key = self._key_for(field)
        if key is None:
            return False
        label = self.labels[key]
        label.setText(message if not label.text() else f"{label.text()}\n{message}")
        label.show()
        return True

    def show(self, exc: BaseException) -> None:
        """Show a submit error: per field when it says which fields, else as one message."""
        self.clear()
        errors = getattr(exc, "field_errors", None) or {}
        rest = [f"{field}: {message}" for field, message in errors.items() if not self.show_field(field, message)]
        if not errors:
            self.general.setText(str(exc))
        elif rest:
            self.general.setText("\n".join(rest))
        keys = [key for key in map(self._key_for, errors) if key is not None]
        if keys:
            self.widgets[keys[0]].setFocus()
