"""The Shorts tab's per-clip caption styles: show the selected clip's style in the panel and
apply the panel's style to the selected clips or to every clip, re-rendering only the clips
whose style changes, as one batch of shorts_rerender jobs (a mixin of ShortsTab)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView

from ..widgets.clip_style import ClipStylePanel


class ShortsStylesMixin:
    def _build_style_panel(self) -> ClipStylePanel:
        self.style_panel = ClipStylePanel()
        self.style_panel.applyRequested.connect(self.apply_style)
        # Several clips can be selected (Ctrl/Shift+click) to restyle them together.
        self.results.setSelectionMode(QAbstractItemView.ExtendedSelection)
        self.results.itemSelectionChanged.connect(self._update_style_scope)
        self._update_style_scope()
        return self.style_panel

    def clip_style_of(self, clip: dict) -> dict | None:
        """The style a clip was rendered with (runs written before clips recorded it: the run's preset)."""
        if clip.get("style"):
            return clip["style"]
        from media_core.styles import DEFAULT_PRESET, get_preset

        try:
            return get_preset((self.manifest.get("request") or {}).get("style") or DEFAULT_PRESET).model_dump(
                mode="json"
            )
        except Exception:
            return None

    def _show_clip_style(self, clip: dict | None) -> None:
        if clip is not None:
            self.style_panel.set_style(self.clip_style_of(clip))
        self._update_style_scope()

    def _update_style_scope(self) -> None:
        self.style_panel.set_selection(len(self.results.selectedItems()), self.results.count())

    def apply_style(self, scope: str = "selected", style: dict | None = None) -> list[str]:
        """Re-render the clips of ``scope`` ("selected" or "all") whose style differs from ``style``
        (default: the panel's). One job per clip; returns their ids (none when nothing changes)."""
        if not self.manifest_path:
            return []
        style = style or self.style_panel.style()
        items = (
            self.results.selectedItems()
            if scope == "selected"
            else [self.results.item(i) for i in range(self.results.count())]
        )
        busy = {cid for kind, cid in self.side_jobs.values() if kind == "rerender"}
        targets = [
            item
            for item in items
            if item.data(Qt.UserRole).get("id") not in busy and self.clip_style_of(item.data(Qt.UserRole)) != style
        ]
        self.error.clear()
        submitted: list[str] = []
        for item in targets:
            clip_id = item.data(Qt.UserRole)["id"]
            params = {"input": self.manifest_path, "clip_id": clip_id, "style": style}
            try:
                job_id = self.client.submit("shorts_rerender", params)
            except Exception as exc:
                self.error.setText(str(exc))
                break
            self.side_jobs[job_id] = ("rerender", clip_id)
            self._paint_item(item, busy=True)
            submitted.append(job_id)
        if submitted:
            self.bar.setValue(0)
            self.bar.show()
            self.stage.setText(self.tr("Re-rendering {0} clips with “{1}”…").format(len(submitted), style["name"]))
        elif not self.error.text():
            self.stage.setText(self.tr("Those clips already have this style: nothing to re-render."))
        self._update_buttons()
        return submitted
