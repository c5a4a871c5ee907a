"""A progress bar + cancel button pair driving one BackgroundTask at a time."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QProgressBar, QPushButton

from ..workers import BackgroundTask


class TaskRunner:
    def __init__(
        self,
        bar: QProgressBar,
        cancel: QPushButton,
        status: QLabel,
        buttons: list[QPushButton],
        cancelled_text: str,
        on_idle,
    ):
        self.bar, self.cancel_btn, self.status, self.buttons = bar, cancel, status, buttons
        self.cancelled_text = cancelled_text
        self.on_idle = on_idle  # sets the buttons right for the current selection again
        self.task: BackgroundTask | None = None
        bar.setRange(0, 1000)
        bar.hide()
        cancel.hide()
        cancel.clicked.connect(self.cancel)

    @property
    def busy(self) -> bool:
        return self.task is not None and not self.task.finished

    def run(self, fn, text: str, on_done) -> BackgroundTask:
        self.bar.setValue(0)
        self.bar.show()
        self.cancel_btn.show()
        self.cancel_btn.setEnabled(True)
        self.status.setText(text)
        for b in self.buttons:
            b.setEnabled(False)

        def progress(fraction: float, stage: str) -> None:
            self.bar.setValue(int(fraction * 1000))
            if stage:
                self.status.setText(stage)

        def done(result) -> None:
            self._end()
            on_done(result)

        def failed(exc) -> None:
            from media_core.errors import CancelledError

            self._end()
            self.status.setText(self.cancelled_text if isinstance(exc, CancelledError) else str(exc))

        self.task = BackgroundTask(fn, on_progress=progress, on_done=done, on_error=failed).start()
        return self.task

    def cancel(self) -> None:
        if self.task is not None:
            self.cancel_btn.setEnabled(False)
            self.task.cancel()

    def _end(self) -> None:
        self.bar.hide()
        self.cancel_btn.hide()
        self.task = None
        self.on_idle()


def size_text(n: int | None) -> str:
    if not n:
        return ""
    return f"{n / 1e9:.1f} GB" if n >= 1e9 else f"{n / 1e6:.0f} MB"
