"""The fields of one OpenAI-compatible endpoint (media_core.settings.EndpointSettings)."""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QGroupBox, QLineEdit

from ..widgets.common import hint


class EndpointForm(QGroupBox):
    def __init__(self, title: str, url_hint: str, model_hint: str, parent=None):
        super().__init__(title, parent)
        self.url = QLineEdit()
        self.url.setPlaceholderText(url_hint)
        self.model = QLineEdit()
        self.model.setPlaceholderText(model_hint)
        self.key = QLineEdit()
        self.key.setEchoMode(QLineEdit.PasswordEchoOnEdit)
        self.key.setPlaceholderText(self.tr("Not needed for a local server"))
        form = QFormLayout(self)
        form.addRow(self.tr("Server URL"), self.url)
        form.addRow(self.tr("Model"), self.model)
        form.addRow(self.tr("API key"), self.key)
        form.addRow(
            "",
            hint(
                self.tr("Text is sent to this server only when you choose the cloud engine; offline mode turns it off.")
            ),
        )

    def load(self, endpoint) -> None:
        self.url.setText(endpoint.base_url)
        self.model.setText(endpoint.model)
        self.key.setText(endpoint.api_key)

    def endpoint(self):
        from media_core.settings import EndpointSettings

        return EndpointSettings(
            base_url=self.url.text().strip(), model=self.model.text().strip(), api_key=self.key.text().strip()
        )

    def check(self) -> str | None:
        url = self.url.text().strip()
        if url and not url.startswith(("http://", "https://")):
            return self.tr("{0}: the server URL must start with http:// or https://").format(self.title())
        return None
