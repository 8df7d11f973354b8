"""The detail pane of the Domains page: each finding of the latest check (severity icon, plain
words, the exact fix to copy), the score breakdown, and the records the domain needs (the
`records` tab)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from penguin_desktop.core.domains.dns.findings import DomainReport, Finding, Severity
from penguin_desktop.core.domains.models import DomainInfo
from penguin_desktop.ui.domains.records import RecordsTab
from penguin_desktop.ui.shell import theme
from penguin_desktop.ui.shell.resources import icon
from penguin_desktop.ui.widgets.formatting import local_time

if TYPE_CHECKING:  # dnspython stays out of start-up
    from penguin_desktop.core.domains.required import RequiredView

UNCHECKED = "could not check"
SEVERITY_ICONS = {
    Severity.OK: ("check", theme.SUCCESS),
    Severity.WARNING: ("warning", "#d97706"),
    Severity.ERROR: ("cancel", theme.DANGER),
}


def severity_label(finding: Finding) -> str:
    return UNCHECKED if finding.inconclusive else finding.severity.value


def counted(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def checked_when(value: datetime | None) -> str:
    return local_time(value)[:16] if value else "Never"


class FindingRow(QFrame):
    """One finding: severity icon, the plain-words message and the exact fix (selectable)."""

    def __init__(self, finding: Finding, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("findingRow")
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.finding = finding
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 6, 4, 6)
        layout.setSpacing(10)
        name, color = (
            ("info", theme.MUTED) if finding.inconclusive else SEVERITY_ICONS[finding.severity]
        )
        picture = QLabel()
        picture.setPixmap(icon(name, color).pixmap(QSize(18, 18)))
        picture.setToolTip(severity_label(finding))
        picture.setAlignment(Qt.AlignmentFlag.AlignTop)
        layout.addWidget(picture, 0, Qt.AlignmentFlag.AlignTop)
        texts = QVBoxLayout()
        texts.setSpacing(3)
        self.caption = QLabel(f"{finding.category.value.upper()} · {severity_label(finding)}")
        self.caption.setObjectName("fieldCaption")
        self.message = QLabel(finding.message)
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        texts.addWidget(self.caption)
        texts.addWidget(self.message)
        self.fix: QLabel | None = None
        if finding.fix:
            self.fix = QLabel(finding.fix)
            self.fix.setObjectName("fixText")
            self.fix.setWordWrap(True)
            self.fix.setTextInteractionFlags(
                Qt.TextInteractionFlag.TextSelectableByMouse
                | Qt.TextInteractionFlag.TextSelectableByKeyboard
            )
            self.fix.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            texts.addWidget(self.fix)
        self.message.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        layout.addLayout(texts, 1)
        self.copy_button: QToolButton | None = None
        if finding.fix:
            self.copy_button = QToolButton()
            self.copy_button.setFixedSize(QSize(26, 26))  # never squeezed by a long list
            self.copy_button.setIcon(icon("copy", theme.ICON))
            self.copy_button.setToolTip("Copy the fix")
            self.copy_button.setAutoRaise(True)
            self.copy_button.clicked.connect(
                lambda: QGuiApplication.clipboard().setText(finding.fix)
            )
            layout.addWidget(self.copy_button, 0, Qt.AlignmentFlag.AlignTop)


class DomainDetail(QTabWidget):
    """Findings of the latest check with the breakdown, and the required records."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("domainDetail")
        findings_tab = QWidget()
        column = QVBoxLayout(findings_tab)
        column.setContentsMargins(12, 12, 12, 12)
        column.setSpacing(8)
        self.headline = QLabel()
        self.headline.setObjectName("sectionTitle")
        self.headline.setWordWrap(True)
        column.addWidget(self.headline)
        self.breakdown = QGridLayout()
        self.breakdown.setHorizontalSpacing(14)
        self.breakdown.setVerticalSpacing(2)
        column.addLayout(self.breakdown)
        self.list_widget = QWidget()
        self.list_layout = QVBoxLayout(self.list_widget)
        self.list_layout.setContentsMargins(0, 0, 0, 0)
        self.list_layout.setSpacing(2)
        scroll = QScrollArea()
        scroll.setObjectName("findingList")
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.list_widget)
        column.addWidget(scroll, 1)
        self.addTab(findings_tab, "Findings")

        self.records_tab = RecordsTab()
        self.records = self.records_tab.records
        self.copy_zone = self.records_tab.copy_zone
        self.addTab(self.records_tab, "Required records")
        self.rows: list[FindingRow] = []

    @property
    def zone_text(self) -> str:
        return self.records_tab.zone_text

    def _clear(self) -> None:
        """Hidden at once, deleted later: a row must not linger on screen until the event
        loop gets round to deleting it."""
        while self.breakdown.count():
            item = self.breakdown.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.hide()
                widget.deleteLater()
        for row in self.rows:
            row.hide()
            row.deleteLater()
        self.rows = []
        while self.list_layout.count():
            self.list_layout.takeAt(0)

    def show_domain(self, domain: DomainInfo | None, report: DomainReport | None) -> None:
        self._clear()
        if domain is None:
            self.headline.setText("Select a domain to see its findings")
            self.list_layout.addStretch(1)
            return
        if report is None:
            self.headline.setText(
                f"{domain.display_name}: last score {domain.last_score} / 100 "
                f"({checked_when(domain.last_checked_at)}). Check now to see each finding."
                if domain.last_score is not None
                else f"{domain.display_name} has not been checked yet. Check now to see how "
                "its DNS stands."
            )
            self.list_layout.addStretch(1)
            return
        counts = report.counts
        self.headline.setText(
            f"{domain.display_name}: {report.score} / 100 · {counted(counts['error'], 'error')}, "
            f"{counted(counts['warning'], 'warning')}, {counts['ok']} fine"
        )
        for index, part in enumerate(report.breakdown):
            name = QLabel(part.category.value.upper())
            name.setObjectName("fieldCaption")
            value = QLabel(f"{part.earned:g} / {part.weight}" if part.checked else "not checked")
            value.setObjectName("footnote")
            self.breakdown.addWidget(name, (index // 4) * 2, index % 4)
            self.breakdown.addWidget(value, (index // 4) * 2 + 1, index % 4)
        ranked = sorted(
            report.findings, key=lambda f: (-f.severity.rank, f.inconclusive, f.category.value)
        )
        for finding in ranked:
            row = FindingRow(finding)
            self.rows.append(row)
            self.list_layout.addWidget(row)
        self.list_layout.addStretch(1)

    def show_records(self, domain: str, view: RequiredView | None, zone: str) -> None:
        self.records_tab.show_records(domain, view, zone)
