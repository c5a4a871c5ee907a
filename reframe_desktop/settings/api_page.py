"""HTTP API: whether scripts may start jobs over HTTP, on which port, which folders they may read,
and the token they must send (always required, also on this computer)."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QFormLayout, QSpinBox

from ..widgets.api_folders import ApiFoldersWidget
from ..widgets.api_token import ApiTokenWidget
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
        # The token lives in its own 0600 file, written by the widget itself: not part of save().
        self.token = ApiTokenWidget()
        self.folders = ApiFoldersWidget([])
        self.status = hint("")
        if api_host is not None:
            api_host.statusChanged.connect(self._show_status)
        self._show_status(api_host.url if api_host is not None else "")
        form = QFormLayout(self)
        form.addRow("", self.enabled)
        form.addRow(self.tr("Port"), self.port)
        form.addRow("", self.lan)
        form.addRow(self.tr("Token"), self.token)
        form.addRow(self.tr("Folders API jobs may read"), self.folders)
        form.addRow("", self.status)
        form.addRow(
            "",
            hint(
                self.tr(
                    "Requests must send “Authorization: Bearer <token>”. "
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
        self.folders.set_folders(api.input_folders)

    def check(self) -> str | None:
        return None

    def save(self) -> None:
        api = self.draft.engine.api.model_copy(
            update={
                "enabled": self.enabled.isChecked(),
                "port": self.port.value(),
                "allow_lan": self.lan.isChecked(),
                "input_folders": self.folders.folders(),
            }
        )
        self.draft.update_engine(api=api)

    def _show_status(self, url: str) -> None:
        error = self.api_host.error if self.api_host is not None else ""
        self.status.setText(self.tr("Running at {0}").format(url) if url else error or self.tr("Not running."))
