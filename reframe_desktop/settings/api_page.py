"""HTTP API: whether scripts may start jobs over HTTP, on which port, with which token."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QFormLayout, QHBoxLayout, QLineEdit, QPushButton, QSpinBox

from ..widgets.common import hint
from .page import SettingsDraft, SettingsPage


class ApiPage(SettingsPage):
    key = "api"

    def __init__(self, draft: SettingsDraft, api_host=None, parent=None):
        super().__init__(draft, parent)
        self.api_host = api_host  # reframe_desktop.api_host.ApiHost: shows whether it runs
        self.enabled = QCheckBox(self.tr("Let scripts and other apps start jobs over HTTP"))
        self.port = QSpinBox()
        self.port.setRange(1024, 65535)
        self.lan = QCheckBox(self.tr("Allow other computers on the network (needs the token)"))
        self.token = QLineEdit()
        self.token.setReadOnly(True)
        self.token.setPlaceholderText(self.tr("No token"))
        new_token = QPushButton(self.tr("New token"))
        new_token.clicked.connect(self.new_token)
        token_row = QHBoxLayout()
        token_row.addWidget(self.token, 1)
        token_row.addWidget(new_token)
        self.status = hint("")
        if api_host is not None:
            api_host.statusChanged.connect(self._show_status)
        self._show_status(api_host.url if api_host is not None else "")
        form = QFormLayout(self)
        form.addRow("", self.enabled)
        form.addRow(self.tr("Port"), self.port)
        form.addRow("", self.lan)
        form.addRow(self.tr("Token"), token_row)
        form.addRow("", self.status)
        form.addRow(
            "",
            hint(
                self.tr(
                    "Requests must send “Authorization: Bearer <token>” when a token is set. "
                    "Without LAN access the API only answers this computer."
                )
            ),
        )

    def title(self) -> str:
        return self.tr("HTTP API")

    def load(self) -> None:
        api = self.draft.engine.api
        self.enabled.setChecked(api.enabled)
        self.port.setValue(api.port if 1024 <= api.port <= 65535 else 8765)
        self.lan.setChecked(api.allow_lan)
        self.token.setText(api.token or "")
        self.lan.toggled.connect(self._lan_toggled)

    def check(self) -> str | None:
        if self.lan.isChecked() and not self.token.text():
            return self.tr("LAN access needs a token: click “New token”.")
        return None

    def save(self) -> None:
        from media_core.settings import ApiSettings

        api = ApiSettings(
            enabled=self.enabled.isChecked(),
            port=self.port.value(),
            allow_lan=self.lan.isChecked(),
            token=self.token.text() or None,
        )
        self.draft.update_engine(api=api)

    def new_token(self) -> None:
        from media_core.settings import ApiSettings

        self.token.setText(ApiSettings.new_token())

    def _lan_toggled(self, on: bool) -> None:
        if on and not self.token.text():
            self.new_token()

    def _show_status(self, url: str) -> None:
        error = self.api_host.error if self.api_host is not None else ""
        self.status.setText(self.tr("Running at {0}").format(url) if url else error or self.tr("Not running."))
