"""Caption style of Shorts clips: a preset plus the tweaks people make most (font, size,
colours, position), and where to apply it: the selected clip(s) or every clip of the run.

The panel only edits and asks; the Shorts tab re-renders (one shorts_rerender job per
clip whose style changes, see tabs/shorts_styles.py)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QGridLayout, QGroupBox, QLabel, QPushButton, QSpinBox

from ..labels import POSITIONS, fill_combo
from .color_button import ColorButton

#: SubtitleStyle fields the panel edits; the rest come from the chosen preset.
TWEAKS = ("font_family", "font_size", "text_color", "highlight_color", "outline_color", "position")


class ClipStylePanel(QGroupBox):
    #: "selected" (the selected clips) or "all" (every clip of the run).
    applyRequested = Signal(str)

    def __init__(self, parent=None):
        super().__init__(self.tr("Clip caption style"), parent)
        self._presets: dict[str, dict] = {}
        self._base: dict = {}
        self._build()
        self._fill()

    def _build(self) -> None:
        self.preset = QComboBox()
        self.preset.activated.connect(self._load_preset)
        self.font = QComboBox()
        self.size = QSpinBox()
        self.size.setRange(8, 400)
        self.text_color = ColorButton("#FFFFFF")
        self.highlight_color = ColorButton("#FFE500")
        self.outline_color = ColorButton("#000000")
        self.position = QComboBox()
        fill_combo(self.position, POSITIONS)
        self.scope_hint = QLabel()
        self.scope_hint.setObjectName("hint")
        self.apply_selected_btn = QPushButton(self.tr("Apply to selected"))
        self.apply_selected_btn.setToolTip(
            self.tr("Re-render the selected clips (Ctrl+click to select several) with this style")
        )
        self.apply_selected_btn.clicked.connect(lambda: self.applyRequested.emit("selected"))
        self.apply_all_btn = QPushButton(self.tr("Apply to all clips"))
        self.apply_all_btn.setToolTip(self.tr("Re-render every clip whose style differs from this one"))
        self.apply_all_btn.clicked.connect(lambda: self.applyRequested.emit("all"))
        grid = QGridLayout(self)
        grid.addWidget(QLabel(self.tr("Preset")), 0, 0)
        grid.addWidget(self.preset, 0, 1)
        grid.addWidget(QLabel(self.tr("Font")), 0, 2)
        grid.addWidget(self.font, 0, 3)
        grid.addWidget(self.size, 0, 4)
        grid.addWidget(QLabel(self.tr("Text")), 1, 0)
        colours = QGridLayout()
        for i, (text, button) in enumerate(
            (
                (None, self.text_color),
                (self.tr("Highlight"), self.highlight_color),
                (self.tr("Outline"), self.outline_color),
            )
        ):
            if text:
                colours.addWidget(QLabel(text), 0, 2 * i)
            colours.addWidget(button, 0, 2 * i + 1)
        grid.addLayout(colours, 1, 1)
        grid.addWidget(QLabel(self.tr("Position")), 1, 2)
        grid.addWidget(self.position, 1, 3, 1, 2)
        grid.addWidget(self.scope_hint, 2, 0, 1, 3)
        grid.addWidget(self.apply_selected_btn, 2, 3)
        grid.addWidget(self.apply_all_btn, 2, 4)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)

    def _fill(self) -> None:
        # Presets and fonts are small packaged files: cheap enough for the UI thread.
        from media_core.styles import list_presets
        from media_core.styles.fonts import bundled_families

        self._presets = {s.name: s.model_dump(mode="json") for s in list_presets()}
        self.preset.addItems(list(self._presets))
        for family in list(bundled_families()) or ["Poppins"]:
            self.font.addItem(family, family)
        if self.preset.count():
            self._load_preset()

    def _load_preset(self) -> None:
        data = self._presets.get(self.preset.currentText())
        if data:
            self.set_style(data)

    def set_style(self, style: dict | None) -> None:
        """Show ``style`` (a SubtitleStyle as a dict, e.g. a clip's entry in the manifest)."""
        if not style:
            return
        self._base = dict(style)
        base_name = str(style.get("name", "")).removesuffix(" (edited)")
        if base_name in self._presets:
            self.preset.setCurrentText(base_name)
        family = style.get("font_family") or "Poppins"
        if self.font.findData(family) < 0:
            self.font.addItem(family, family)
        self.font.setCurrentIndex(self.font.findData(family))
        self.size.setValue(round(float(style.get("font_size", 72))))
        for button, key in (
            (self.text_color, "text_color"),
            (self.highlight_color, "highlight_color"),
            (self.outline_color, "outline_color"),
        ):
            if style.get(key):
                button.set_color(style[key])
        index = self.position.findData(style.get("position", "bottom"))
        if index >= 0:
            self.position.setCurrentIndex(index)

    def style(self) -> dict:
        """The style to apply: the shown preset with the panel's tweaks (named "… (edited)" when tweaked)."""
        preset = self._presets.get(self.preset.currentText(), self._base)
        tweaks = {
            "font_family": self.font.currentData() or "Poppins",
            "font_size": float(self.size.value()),
            "text_color": self.text_color.color().upper(),
            "highlight_color": self.highlight_color.color().upper(),
            "outline_color": self.outline_color.color().upper(),
            "position": self.position.currentData(),
        }
        style = {**preset, **tweaks}
        name = str(preset.get("name", "Custom"))
        edited = any(_differs(preset.get(k), v) for k, v in tweaks.items())
        style["name"] = f"{name} (edited)" if edited else name
        from media_core.styles import SubtitleStyle

        return SubtitleStyle(**style).model_dump(mode="json")

    def set_selection(self, selected: int, total: int) -> None:
        self.apply_selected_btn.setEnabled(selected > 0)
        self.apply_all_btn.setEnabled(total > 0)
        self.scope_hint.setText(self.tr("{0} of {1} clips selected").format(selected, total) if total else "")


def _differs(a, b) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return abs(float(a) - float(b)) > 1e-6
    if isinstance(a, str) and isinstance(b, str):
        return a.upper() != b.upper()
    return a != b
