"""设置 → 违禁词…: the user's own Advertising Law terms, one per line ("词" or "词=建议")."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QLabel, QPlainTextEdit, QVBoxLayout, QWidget

from app.comments.adlaw import AdLawChecker
from app.core.i18n import tr
from app.core.settings import Settings
from ui.common.dialogs import save_cancel_buttons


class BannedWordsDialog(QDialog):
    """Edits the ``banned_words`` setting; the built-in list always applies as well."""

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.setWindowTitle(tr("违禁词"))
        self.resize(460, 420)
        hint = QLabel(
            tr("每行一个词；写成「词=建议」可附上替换说法。内置的广告法极限词（最、第一、100% …）始终生效。"), self
        )
        hint.setWordWrap(True)
        self.editor = QPlainTextEdit(self)
        self.editor.setPlaceholderText(tr("例如：秒杀全网=优惠力度大"))
        self.editor.setPlainText("\n".join(str(w) for w in settings.get("banned_words")))
        buttons = save_cancel_buttons(self)
        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addWidget(self.editor, 1)
        layout.addWidget(buttons)

    def words(self) -> list[str]:
        """The entries as typed, blank lines and surrounding spaces dropped."""
        return [line.strip() for line in self.editor.toPlainText().splitlines() if line.strip()]

    def accept(self) -> None:
        self.settings.set("banned_words", self.words())
        super().accept()

    def checker(self) -> AdLawChecker:
        """The checker for the saved words (built-in terms included)."""
        return AdLawChecker(self.settings.get("banned_words"))
