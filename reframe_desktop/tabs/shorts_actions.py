"""The Shorts tab's actions on a run: re-render, delete, translate titles, export, and
what to show when those jobs end (a mixin of ShortsTab, which owns the state)."""

from __future__ import annotations

from PySide6.QtWidgets import QFileDialog, QMessageBox

from ..job_client import FINISHED_STATES
from ..widgets.common import reveal_path
from ..workers import run_in_background

FINAL_STATES = FINISHED_STATES


class ShortsActionsMixin:
    def _side_job_done(self, job_id: str, state: str, kind: str, clip_id: str) -> None:
        main_running = self.job_id is not None and self.client.get(self.job_id).status not in FINAL_STATES
        if not self.side_jobs and not main_running:
            self.bar.hide()
        job = self.client.get(job_id)
        if kind == "rerender":
            if self.manifest_path:
                self.load_manifest(self.manifest_path, select=clip_id)
            self.stage.setText(
                self.tr("{0} re-rendered").format(clip_id)
                if state == "succeeded"
                else f"{clip_id}: {state}: {getattr(job, 'error', '') or ''}"
            )
        elif kind == "translate":
            if state == "succeeded" and self.manifest_path:
                self.load_manifest(self.manifest_path, select=(self.current_clip() or {}).get("id"))
                self.stage.setText(self.tr("Titles translated ({0}): hover a clip to see them").format(clip_id))
            else:
                self.stage.setText(self.tr("Translation: {0}: {1}").format(state, getattr(job, "error", "") or ""))
        elif kind == "export":
            folder = (job.result or {}).get("output_dir")
            if state == "succeeded" and folder:
                self.stage.setText(self.tr("Exported to {0}").format(folder))
                reveal_path(folder)
            else:
                self.stage.setText(self.tr("Export: {0}: {1}").format(state, getattr(job, "error", "") or ""))
        self._update_buttons()

    # -- actions on a run ------------------------------------------------------------------
    def rerender_selected(self) -> str | None:
        clip = self.current_clip()
        if clip is None or not self.manifest_path:
            return None
        if self.clip_end.value() <= self.clip_start.value():
            self.error.setText(self.tr("The end must come after the start."))
            return None
        self.error.clear()
        params = {
            "input": self.manifest_path,
            "clip_id": clip["id"],
            "start": round(self.clip_start.value(), 3),
            "end": round(self.clip_end.value(), 3),
        }
        try:
            job_id = self.client.submit("shorts_rerender", params)
        except Exception as exc:
            self.error.setText(str(exc))
            return None
        self.side_jobs[job_id] = ("rerender", clip["id"])
        self._paint_item(self.results.currentItem(), busy=True)
        self.bar.setValue(0)
        self.bar.show()
        self.stage.setText(self.tr("Re-rendering {0}…").format(clip["id"]))
        self._update_buttons()
        return job_id

    def delete_selected(self, *, confirm: bool = True) -> None:
        clip = self.current_clip()
        if clip is None or not self.manifest_path:
            return
        if (
            confirm
            and QMessageBox.question(
                self,
                self.tr("Delete clip"),
                self.tr("Delete “{0}” and its files from this run?").format(clip.get("title") or clip["id"]),
                QMessageBox.Yes | QMessageBox.No,
                QMessageBox.No,
            )
            != QMessageBox.Yes
        ):
            return
        from media_core.shorts.runs import remove_clips

        manifest = self.manifest_path
        row = self.results.currentRow()
        self.delete_btn.setEnabled(False)

        def done(_result) -> None:
            if self.manifest_path == manifest:
                self.load_manifest(manifest)
                if self.results.count():
                    self.results.setCurrentRow(min(row, self.results.count() - 1))
            self.stage.setText(self.tr("{0} deleted").format(clip["id"]))

        def failed(exc) -> None:
            self.error.setText(str(exc))
            self._update_buttons()

        run_in_background(lambda: remove_clips(manifest, [clip["id"]]), done, failed)

    def translate_titles(self, language: str | None = None) -> str | None:
        """Translate the run's titles and descriptions into the manifest, as a job."""
        if not self.manifest_path:
            return None
        language = language or self.title_language.currentData()
        try:
            job_id = self.client.submit("translate_shorts", {"input": self.manifest_path, "tgt": language})
        except Exception as exc:
            self.error.setText(str(exc))
            return None
        self.side_jobs[job_id] = ("translate", language)
        self.bar.setValue(0)
        self.bar.show()
        self.stage.setText(self.tr("Translating titles…"))
        return job_id

    def export_all(self, folder: str | None = None) -> str | None:
        """Copy the run (clips, subtitles, thumbnails, manifest, CSV, EDL, FCPXML) to a folder, as a job."""
        if not self.manifest_path:
            return None
        if folder is None:
            folder = QFileDialog.getExistingDirectory(self, self.tr("Export clips to"), self.output_dir())
            if not folder:
                return None
        try:
            job_id = self.client.submit("shorts_export", {"input": self.manifest_path, "output_dir": folder})
        except Exception as exc:
            self.error.setText(str(exc))
            return None
        self.side_jobs[job_id] = ("export", "")
        self.bar.setValue(0)
        self.bar.show()
        self.stage.setText(self.tr("Exporting…"))
        return job_id
