"""The 直播方案 menu: the show's preparation saved by name, opened again, and kept up to date.

:class:`ShowKeeper` reads the preparation off the console — the engine's product list (imported or
edited), the 营销 dock's prepared flash sale and coupon and its lucky-bag form, the 直播流程 table — as an
:class:`app.show.preparation.Preparation`, and writes it to the open show's file shortly after each
change (and when the window closes), so a relaunch opens on it (the ``last_show`` setting). With no
show open, the first change creates one. 保存方案… names it (:class:`SaveShowDialog`); 打开方案… lists the
saved shows to open, rename or delete (:class:`OpenShowDialog`). docs/shows.md describes it.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.events import Command
from app.core.i18n import tr
from app.core.settings import Settings
from app.show.plan import Plan, PlanError, parse_plan
from app.show.preparation import MAX_NOTES, Preparation, PreparationError, ShowLibrary
from ui.common.dialogs import save_cancel_buttons

if TYPE_CHECKING:
    from ui.live.main_window import MainWindow

log = logging.getLogger("livedeck.ui.shows")

#: Changes arriving together (an import, a plan pasted row by row) are written once, this long after.
AUTOSAVE_MS = 400
_PRODUCT_CHANGES = {"catalog", "queue", "product"}
#: The show's name on each row of the open dialog's list.
_NAME_ROLE = Qt.ItemDataRole.UserRole


def last_show(library: ShowLibrary, settings: Settings) -> Preparation | None:
    """The show the console last had open (the ``last_show`` setting), or None (unset, gone or bad: logged)."""
    name = settings.get("last_show")
    if not name:
        return None
    try:
        return library.load(name)
    except (OSError, PreparationError) as exc:
        log.warning("the last show %r cannot be opened (%s); starting without it", name, exc)
        return None


class ShowKeeper(QObject):
    """Keeps the console's preparation in the open show's file; adds the 直播方案 menu to ``window``.

    Args:
        window: the console.
        library: where the shows are saved.
        settings: ``last_show`` is kept there.
        prep: the show the console opened on (its products already loaded), or None.
    """

    def __init__(self, window: MainWindow, library: ShowLibrary, settings: Settings,
                 prep: Preparation | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.library = library
        self.settings = settings
        self.name: str | None = None
        self.notes = ""
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(AUTOSAVE_MS)
        self._timer.timeout.connect(self.autosave)
        self._saved = Preparation("")  # what the show's file holds (set below, before any save)
        if prep is not None:
            self.apply(prep, load_products=False)
        self._saved = self.collect()
        self._connect()
        self._add_menu()

    # -- console → preparation ------------------------------------------------------------------------
    def collect(self) -> Preparation:
        """The preparation on screen now (a plan that does not parse keeps the last saved one)."""
        window = self.window
        products = window.engine.state.queue.products
        nos = {p.no for p in products}
        promotions = window.promotions
        prepared: dict[str, Command] = {}
        sale = promotions.sale_tab.prepared()
        if sale is not None and sale.args["no"] in nos:
            prepared["flash_sale"] = sale
        coupon = promotions.coupon_tab.prepared()
        if coupon is not None:
            prepared["coupon"] = coupon
        bag = promotions.bag_tab.form_args()
        if bag is not None:
            prepared["lucky_bag"] = Command("start_lucky_bag", bag, "local", "lucky-bag")
        return Preparation(self.name or "", products, prepared, self._plan_data(), self.notes)

    def _plan_data(self) -> dict[str, Any] | None:
        try:
            data = self.window.run_of_show.to_data()
            data.pop("catalog", None)  # the show's products are the plan's catalog
            parse_plan(data)
        except PlanError:
            return self._saved.plan
        return data if data["steps"] else None

    # -- preparation → console ------------------------------------------------------------------------
    def apply(self, prep: Preparation, *, load_products: bool = True) -> str:
        """Put ``prep`` on the console and make it the open show; returns why not ('' when done)."""
        window = self.window
        if load_products and prep.products:
            result = window.engine.load_catalog(prep.products)
            if result.result == "rejected":  # a seat's is pending: the host loads it, then this console
                return result.reason
        promotions = window.promotions
        promotions.redraw()  # the product choices of the prepared sale
        promotions.sale_tab.restore(prep.prepared.get("flash_sale"))
        promotions.coupon_tab.restore(prep.prepared.get("coupon"))
        bag = prep.prepared.get("lucky_bag")
        if bag is not None:
            promotions.bag_tab.restore(bag.args)
        window.run_of_show.set_plan(parse_plan(prep.plan) if prep.plan else Plan([]))
        self.name, self.notes = prep.name, prep.notes
        self.settings.set("last_show", prep.name)
        self._saved = self.collect()
        self.show_name()
        return ""

    def show_name(self) -> None:
        title = tr("LiveDeck 直播中控台")
        self.window.setWindowTitle(tr("{title} — {show}", title=title, show=self.name) if self.name else title)

    # -- saving ---------------------------------------------------------------------------------------
    def save_soon(self, *_: object) -> None:
        self._timer.start()

    def autosave(self) -> bool:
        """Write the preparation to the open show if it changed (creating a show if none is open)."""
        self._timer.stop()
        current = self.collect()
        if current.same_content(self._saved):
            return False
        created = self.name is None
        if created:
            self.name = self.library.unused_name(tr("直播方案 {date}", date=time.strftime("%Y-%m-%d")))
            current.name = self.name
        try:
            self.library.save(current)
        except OSError as exc:
            log.error("the show %r could not be saved: %s", self.name, exc)
            self.window.statusBar().showMessage(tr("直播方案未能保存：{reason}", reason=exc), 15_000)
            return False
        self._saved = current
        if created:
            self.settings.set("last_show", current.name)
            self.show_name()
            self.window.statusBar().showMessage(tr("已自动保存为直播方案「{name}」", name=current.name), 10_000)
        return True

    def save_as(self, name: str, notes: str) -> None:
        """保存方案…: the preparation under ``name`` (PreparationError: a bad name, or another show's)."""
        prep = self.collect()
        prep.name, prep.notes = name.strip(), notes
        if prep.name != self.name and self.library.exists(prep.name):
            raise PreparationError(tr("已有名为「{name}」的方案", name=prep.name))
        self.library.save(prep)
        self.name, self.notes, self._saved = prep.name, notes, prep
        self.settings.set("last_show", prep.name)
        self.show_name()

    def open_show(self, name: str) -> str:
        """打开方案…: save the open show, then put ``name`` on the console; returns why not ('' when done)."""
        self.autosave()
        try:
            prep = self.library.load(name)
        except (OSError, PreparationError) as exc:
            return str(exc)
        return self.apply(prep)

    def renamed(self, old: str, new: str) -> None:
        if self.name == old:
            self.name = new
            self.settings.set("last_show", new)
            self.show_name()

    def deleted(self, name: str) -> None:
        """The open show's file is gone: the console's preparation stays, and the next change saves it as
        a new show."""
        if self.name == name:
            self.name = None
            self.settings.set("last_show", "")
            self.show_name()

    def flush(self) -> None:
        """Write what is pending now (the window closes, the console ends)."""
        if self._timer.isActive():
            self.autosave()
        self._timer.stop()

    # -- wiring ---------------------------------------------------------------------------------------
    def _connect(self) -> None:
        window = self.window
        unsubscribe = window.engine.subscribe_changes(
            lambda change: self.save_soon() if change.kind in _PRODUCT_CHANGES else None)
        window.closed.connect(unsubscribe)
        window.closed.connect(self.flush)
        promotions = window.promotions
        promotions.sale_tab.prepare_sale_button.clicked.connect(self.save_soon)
        promotions.coupon_tab.prepare_coupon_button.clicked.connect(self.save_soon)
        bag = promotions.bag_tab
        bag.bag_condition.currentIndexChanged.connect(self.save_soon)
        for row in (bag.bag_keyword, bag.bag_duration, bag.bag_winners):
            row.edit.textChanged.connect(self.save_soon)
        model = window.run_of_show.table.model()
        for signal in (model.dataChanged, model.rowsInserted, model.rowsRemoved, model.modelReset):
            signal.connect(self.save_soon)

    def _add_menu(self) -> None:
        bar = self.window.menuBar()
        menu = bar.addMenu(tr("直播方案"))
        actions = bar.actions()
        if len(actions) > 2:  # right after 文件
            bar.insertMenu(actions[1], menu)
        save = QAction(tr("保存方案…"), menu)
        save.triggered.connect(self.open_save_dialog)
        menu.addAction(save)
        open_ = QAction(tr("打开方案…"), menu)
        open_.triggered.connect(self.open_open_dialog)
        menu.addAction(open_)
        self.menu = menu

    def open_save_dialog(self) -> SaveShowDialog:
        dialog = SaveShowDialog(self, self.window)
        dialog.open()  # not exec(): a nested event loop would stall the qasync loop
        return dialog

    def open_open_dialog(self) -> OpenShowDialog:
        dialog = OpenShowDialog(self, self.window)
        dialog.open()
        return dialog


class SaveShowDialog(QDialog):
    """保存方案…: a name and notes; a bad or taken name is said under the field and nothing is saved."""

    def __init__(self, keeper: ShowKeeper, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.keeper = keeper
        self.setWindowTitle(tr("保存直播方案"))
        self.name_edit = QLineEdit(keeper.name or "", self)
        self.name_edit.setPlaceholderText(tr("例如 周五晚场"))
        self.notes_edit = QPlainTextEdit(keeper.notes, self)
        self.notes_edit.setPlaceholderText(tr("备注（选填）"))
        self.error = QLabel(self)
        self.error.setObjectName("fieldError")
        self.error.setWordWrap(True)
        self.error.hide()
        form = QFormLayout()
        form.addRow(tr("方案名称"), self.name_edit)
        form.addRow(tr("备注"), self.notes_edit)
        buttons = save_cancel_buttons(self, self.save)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def save(self) -> bool:
        notes = self.notes_edit.toPlainText()
        try:
            if len(notes) > MAX_NOTES:
                raise PreparationError(tr("备注最多 {n} 个字", n=MAX_NOTES))
            self.keeper.save_as(self.name_edit.text(), notes)
        except (PreparationError, OSError) as exc:
            self.error.setText(str(exc))
            self.error.show()
            return False
        self.accept()
        return True


class OpenShowDialog(QDialog):
    """打开方案…: the saved shows, newest first, to open, rename or delete."""

    def __init__(self, keeper: ShowKeeper, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.keeper = keeper
        self.setWindowTitle(tr("打开直播方案"))
        self.list = QListWidget(self)
        self.list.itemDoubleClicked.connect(lambda _item: self.open_selected())
        self.list.currentItemChanged.connect(lambda *_: self._selected_changed())
        self.rename_edit = QLineEdit(self)
        self.rename_edit.setPlaceholderText(tr("新名称"))
        self.open_button = QPushButton(tr("打开"), self)
        self.open_button.setObjectName("primaryButton")
        self.rename_button = QPushButton(tr("重命名"), self)
        self.delete_button = QPushButton(tr("删除"), self)
        self.close_button = QPushButton(tr("关闭"), self)
        self.open_button.clicked.connect(self.open_selected)
        self.rename_button.clicked.connect(self.rename_selected)
        self.delete_button.clicked.connect(self.delete_selected)
        self.close_button.clicked.connect(self.reject)
        self.message = QLabel(self)
        self.message.setObjectName("fieldError")
        self.message.setWordWrap(True)
        self.message.hide()
        rename_row = QHBoxLayout()
        rename_row.addWidget(self.rename_edit, 1)
        rename_row.addWidget(self.rename_button)
        buttons = QHBoxLayout()
        buttons.addWidget(self.delete_button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        buttons.addWidget(self.open_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.list, 1)
        layout.addLayout(rename_row)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self._delete_armed: str | None = None
        self.reload()

    def reload(self, select: str | None = None) -> None:
        self.list.clear()
        for entry in self.keeper.library.entries():
            when = time.strftime("%Y-%m-%d %H:%M", time.localtime(entry.modified))
            mark = tr("（当前）") if entry.name == self.keeper.name else ""
            item = QListWidgetItem(tr("{name}{mark} · {n} 个商品 · {when}", name=entry.name, mark=mark,
                                      n=entry.products, when=when))
            item.setData(_NAME_ROLE, entry.name)
            self.list.addItem(item)
            if entry.name == (select or self.keeper.name):
                self.list.setCurrentItem(item)
        if self.list.currentItem() is None and self.list.count():
            self.list.setCurrentRow(0)
        if not self.list.count():
            self._say(tr("还没有保存的直播方案：用「保存方案…」保存当前的准备"))
        self._selected_changed()

    def selected(self) -> str | None:
        item = self.list.currentItem()
        return item.data(_NAME_ROLE) if item is not None else None

    def _selected_changed(self) -> None:
        name = self.selected()
        self._delete_armed = None
        self.delete_button.setText(tr("删除"))
        for button in (self.open_button, self.rename_button, self.delete_button):
            button.setEnabled(name is not None)
        self.rename_edit.setText(name or "")

    def _say(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def open_selected(self) -> bool:
        name = self.selected()
        if name is None:
            return False
        reason = self.keeper.open_show(name)
        if reason:
            self._say(tr("未能打开「{name}」：{reason}", name=name, reason=reason))
            return False
        self.accept()
        return True

    def rename_selected(self) -> bool:
        old, new = self.selected(), self.rename_edit.text().strip()
        if old is None:
            return False
        try:
            self.keeper.library.rename(old, new)
        except (PreparationError, OSError) as exc:
            self._say(str(exc))
            return False
        self.keeper.renamed(old, new)
        self._say("")
        self.reload(select=new)
        return True

    def delete_selected(self) -> bool:
        """Delete the selected show; the first click asks (on the button), the second deletes."""
        name = self.selected()
        if name is None:
            return False
        if self._delete_armed != name:
            self._delete_armed = name
            self.delete_button.setText(tr("再点一次，删除「{name}」", name=name))
            return False
        self.keeper.library.delete(name)
        self.keeper.deleted(name)
        self.reload()
        return True
