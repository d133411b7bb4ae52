"""Route Qt's own messages (qDebug/qWarning/…) into Python logging under the "livedeck.qt" logger.

Qt otherwise prints straight to stderr, where nobody reading the session log sees them. Messages
from a Qt logging category go to a child logger (``livedeck.qt.qt.qpa.fonts``) so they can be
tuned per category.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QMessageLogContext, QtMsgType, qInstallMessageHandler

log = logging.getLogger("livedeck.qt")

LEVELS: dict[QtMsgType, int] = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}

MessageHandler = Callable[[QtMsgType, QMessageLogContext, str], None]


def qt_message_handler(msg_type: QtMsgType, context: QMessageLogContext, message: str) -> None:
    """A ``qInstallMessageHandler`` handler that logs ``message`` at the matching level."""
    level = LEVELS.get(msg_type, logging.WARNING)
    category = context.category or "default"
    logger = log if category == "default" else log.getChild(category)
    if not logger.isEnabledFor(level):
        return
    record = logger.makeRecord(
        logger.name,
        level,
        context.file or "(qt)",
        context.line or 0,
        "%s",
        (message,),
        None,
        func=context.function or None,
    )
    logger.handle(record)


def install_qt_message_handler() -> MessageHandler | None:
    """Send Qt's messages to logging from now on; returns the handler that was installed before."""
    return qInstallMessageHandler(qt_message_handler)


def uninstall_qt_message_handler(previous: MessageHandler | None = None) -> None:
    """Restore ``previous`` (what :func:`install_qt_message_handler` returned), or Qt's default."""
    qInstallMessageHandler(previous)
