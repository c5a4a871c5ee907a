"""The fields of a media_core.styles.SubtitleStyle, with presets (the Styling tab's left side)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QSlider,
    QSpinBox,
)

from ..labels import HIGHLIGHTS, POSITIONS, fill_combo
from .color_button import ColorButton
from .safe_area_overlay import PlatformCombo


class StyleEditor(QGroupBox):
    """The fields of a media_core.styles.SubtitleStyle; emits ``changed`` on any edit.

    Fields the editor does not show (bold, shadow colour, padding…) are kept from the
    preset last loaded, so editing never silently resets them.
    """

    changed = Signal()

    def __init__(self, parent=None):
        super().__init__(self.tr("Style"), parent)
        self._build_fields()
        self._build_form()
        for sig in (
            self.font.currentIndexChanged,
            self.size.valueChanged,
            self.primary.colorChanged,
            self.highlight_color.colorChanged,
            self.outline_color.colorChanged,
            self.outline.valueChanged,
            self.shadow.valueChanged,
            self.box.toggled,
            self.box_color.colorChanged,
            self.position.currentIndexChanged,
            self.margin.valueChanged,
            self.highlight.currentIndexChanged,
            self.uppercase.toggled,
            self.platform.currentIndexChanged,
        ):
            sig.connect(self._emit)
        self.preset.activated.connect(self._load_preset)
        self._loading = False
        self._base: dict = {}
        self._presets: dict[str, dict] = {}
        self._fill_fonts()
        self.reload_presets()
        if self.preset.count():
            self._load_preset()

    def _build_fields(self) -> None:
        self.preset = QComboBox()
        self.font = QComboBox()
        self.size = QSpinBox()
        self.size.setRange(8, 400)
        self.size.setValue(72)
        self.primary = ColorButton("#FFFFFF")
        self.highlight_color = ColorButton("#FFE500")
        self.outline_color = ColorButton("#000000")
        self.outline = QDoubleSpinBox()
        self.outline.setRange(0, 60)
        self.outline.setValue(5)
        self.shadow = QDoubleSpinBox()
        self.shadow.setRange(0, 60)
        self.box = QCheckBox(self.tr("Background box"))
        self.box_color = ColorButton("#000000B3")
        self.position = QComboBox()
        fill_combo(self.position, POSITIONS)
        self.margin = QSlider(Qt.Horizontal)
        self.margin.setRange(0, 600)
        self.margin.setValue(160)
        self.highlight = QComboBox()
        fill_combo(self.highlight, HIGHLIGHTS)
        self.highlight.setCurrentIndex(1)
        self.uppercase = QCheckBox(self.tr("UPPERCASE"))
        self.platform = PlatformCombo()

    def _build_form(self) -> None:
        colours = QHBoxLayout()
        for text, btn in (
            (self.tr("Text"), self.primary),
            (self.tr("Highlight"), self.highlight_color),
            (self.tr("Outline"), self.outline_color),
        ):
            colours.addWidget(QLabel(text))
            colours.addWidget(btn)
        colours.addStretch(1)
        box_row = QHBoxLayout()
        box_row.addWidget(self.box)
        box_row.addWidget(self.box_color)
        box_row.addStretch(1)
        form = QFormLayout(self)
        form.addRow(self.tr("Preset"), self.preset)
        form.addRow(self.tr("Font"), self.font)
        form.addRow(self.tr("Size"), self.size)
        form.addRow(self.tr("Colours"), colours)
        form.addRow(self.tr("Outline"), self.outline)
        form.addRow(self.tr("Shadow"), self.shadow)
        form.addRow("", box_row)
        form.addRow(self.tr("Position"), self.position)
        form.addRow(self.tr("Distance from edge"), self.margin)
        form.addRow(self.tr("Word highlight"), self.highlight)
        form.addRow("", self.uppercase)
        form.addRow(self.tr("Safe area for"), self.platform)

    # Presets and fonts are cheap reads of packaged files (allowed on the UI thread).
    def _fill_fonts(self) -> None:
        try:
            from media_core.styles.fonts import bundled_families

            families = list(bundled_families())
        except Exception:
            families = []
        for fam in families or ["Poppins"]:
            self.font.addItem(fam, fam)
        idx = self.font.findData("Poppins")
        if idx >= 0:
            self.font.setCurrentIndex(idx)

    def reload_presets(self) -> None:
        self._presets = {}
        try:
            from media_core.styles import list_presets

            for style in list_presets():
                self._presets[style.name] = style.model_dump(mode="json")
        except Exception:
            pass
        current = self.preset.currentText()
        self.preset.blockSignals(True)
        self.preset.clear()
        for name in self._presets:
            self.preset.addItem(name)
        if current:
            self.preset.setCurrentText(current)
        self.preset.blockSignals(False)

    def _load_preset(self) -> None:
        data = self._presets.get(self.preset.currentText())
        if data:
            self.set_style(data)

    def _emit(self) -> None:
        if not self._loading:
            self.changed.emit()

    def style_dict(self) -> dict:
        """A complete SubtitleStyle as JSON: the preset's fields overlaid with the editor's."""
        return {
            **self._base,
            "font_family": self.font.currentData() or self.font.currentText(),
            "font_size": self.size.value(),
            "text_color": self.primary.color(),
            "highlight_color": self.highlight_color.color(),
            "outline_color": self.outline_color.color(),
            "outline_width": self.outline.value(),
            "shadow_offset": self.shadow.value(),
            "background_box": self.box.isChecked(),
            "box_color": self.box_color.color(),
            "position": self.position.currentData(),
            "margin_v": self.margin.value(),
            "highlight_mode": self.highlight.currentData(),
            "uppercase": self.uppercase.isChecked(),
            "safe_area": self.platform.platform(),
        }

    def set_style(self, d: dict) -> None:
        self._loading = True
        try:
            self._base = dict(d)
            if d.get("font_family"):
                idx = self.font.findData(d["font_family"])
                if idx < 0:
                    self.font.addItem(d["font_family"], d["font_family"])
                    idx = self.font.count() - 1
                self.font.setCurrentIndex(idx)
            for spin, key in (
                (self.size, "font_size"),
                (self.outline, "outline_width"),
                (self.shadow, "shadow_offset"),
                (self.margin, "margin_v"),
            ):
                if d.get(key) is not None:
                    spin.setValue(type(spin.value())(d[key]))
            for btn, key in (
                (self.primary, "text_color"),
                (self.highlight_color, "highlight_color"),
                (self.outline_color, "outline_color"),
                (self.box_color, "box_color"),
            ):
                if d.get(key):
                    btn.set_color(d[key])
            for combo, key in ((self.position, "position"), (self.highlight, "highlight_mode")):
                idx = combo.findData(d.get(key))
                if idx >= 0:
                    combo.setCurrentIndex(idx)
            self.box.setChecked(bool(d.get("background_box", False)))
            self.uppercase.setChecked(bool(d.get("uppercase", False)))
            if d.get("safe_area"):  # a preset without one keeps the platform chosen
                self.platform.set_platform(d["safe_area"])
        finally:
            self._loading = False
        self.changed.emit()
