"""Remote: run heavy jobs on this computer or on a Reframe server (address + token, tested)."""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QPushButton, QRadioButton

from ..widgets.common import hint, row_of
from ..workers import BackgroundTask
from .page import SettingsDraft, SettingsPage


class RemotePage(SettingsPage):
    key = "remote"

    def __init__(self, draft: SettingsDraft, parent=None):
        super().__init__(draft, parent)
        self.local = QRadioButton(self.tr("This computer"))
        self.server = QRadioButton(self.tr("A Reframe server"))
        self.url = QLineEdit()
        self.url.setPlaceholderText("https://gpu-box.lan:8443")
        # Kept in its own 0600 file (media_core.remote.token), written on save, never in engine.json.
        self.token = QLineEdit()
        self.token.setEchoMode(QLineEdit.EchoMode.Password)
        self.token.setPlaceholderText(self.tr("the server's 'reframe serve --show-token'"))
        self.test_button = QPushButton(self.tr("Test connection"))
        self.result = QLabel("")
        self.result.setWordWrap(True)
        self._task: BackgroundTask | None = None
        self._stored_token = ""
        self.test_button.clicked.connect(self.test_connection)
        self.server.toggled.connect(self._enable)
        form = QFormLayout(self)
        form.addRow(self.tr("Run heavy jobs on"), self.local)
        form.addRow("", self.server)
        form.addRow(self.tr("Address"), self.url)
        form.addRow(self.tr("Token"), self.token)
        form.addRow("", row_of(self.test_button, self.result))
        form.addRow(
            "",
            hint(
                self.tr(
                    "Captions and renders then run on the server: files it cannot reach are uploaded, "
                    "results are downloaded into your outputs folder. Use https:// outside your own network."
                )
            ),
        )

    def title(self) -> str:
        return self.tr("Remote")

    def load(self) -> None:
        from media_core.remote.token import load_remote_token

        remote = self.draft.engine.remote
        (self.server if remote.run_on == "server" else self.local).setChecked(True)
        self.url.setText(remote.url)
        try:
            self._stored_token = load_remote_token() or ""
        except Exception:  # an unreadable token file: the user types a new one
            self._stored_token = ""
        self.token.setText(self._stored_token)
        self._enable(self.server.isChecked())

    def check(self) -> str | None:
        if self.server.isChecked() and not self.url.text().strip().startswith(("http://", "https://")):
            return self.tr("The server address must start with http:// or https://.")
        if self.server.isChecked() and not self.token.text().strip():
            return self.tr("Enter the server's token.")
        return None

    def save(self) -> None:
        from media_core.remote.token import store_remote_token

        remote = self.draft.engine.remote.model_copy(
            update={"run_on": "server" if self.server.isChecked() else "local", "url": self.url.text().strip()}
        )
        self.draft.update_engine(remote=remote)
        token = self.token.text().strip()
        if token and token != self._stored_token:
            store_remote_token(token)
            self._stored_token = token

    def test_connection(self) -> None:
        from media_core.remote import RemoteClient

        url, token = self.url.text().strip(), self.token.text().strip()
        self.test_button.setEnabled(False)
        self.result.setText(self.tr("Connecting…"))

        def probe(progress, cancel):
            with RemoteClient(url, token, timeout=10) as client:
                return client.test_connection()

        self._task = BackgroundTask(probe, on_done=self._connected, on_error=self._failed).start()

    def _connected(self, info: dict) -> None:
        self.test_button.setEnabled(True)
        self.result.setText(self.tr("Connected: Reframe {0} on the server.").format(info.get("version", "?")))

    def _failed(self, exc: BaseException) -> None:
        self.test_button.setEnabled(True)
        self.result.setText(str(exc))

    def _enable(self, on: bool) -> None:
        for widget in (self.url, self.token, self.test_button):
            widget.setEnabled(on)

    def close_tasks(self) -> None:
        if self._task is not None:
            self._task.cancel()
