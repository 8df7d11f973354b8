"""The Home page's short lists: open alerts, certificates expiring soonest, secrets due for
rotation. Each shows its first few rows, worst or soonest first, and links to the page that
lists them all; each says what it is for when it is empty. Rows are rebuilt on every refresh:
there are only a handful."""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QFontMetrics, QResizeEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from penguin_desktop.core.monitoring.models import (
    AlertInfo,
    AlertState,
    DueSecret,
    ExpiringCertificate,
    Status,
)
from penguin_desktop.ui.monitoring import status as st
from penguin_desktop.ui.monitoring.tiles import discard
from penguin_desktop.ui.shell import theme
from penguin_desktop.ui.shell.resources import icon
from penguin_desktop.ui.widgets.card import Card
from penguin_desktop.ui.widgets.formatting import local_time

ALERT_ROWS = 6
LIST_ROWS = 5
LINK_STYLE = (
    f"QPushButton {{ color: {theme.ACCENT}; background: transparent; font-weight: 600;"
    " border: 1px solid transparent; border-radius: 4px; padding: 2px 4px; min-height: 0; }"
    " QPushButton:hover { text-decoration: underline; }"
    f" QPushButton:focus {{ border-color: {theme.ACCENT}; }}"
)


def aware(value: datetime) -> datetime:
    """Core's naive datetimes are UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _stamp(value: datetime) -> float:
    return aware(value).timestamp()


def ago(then: datetime, now: datetime) -> str:
    seconds = (aware(now) - aware(then)).total_seconds()
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h ago"
    return f"{int(seconds // 86400)} d ago"


def plural_days(days: float) -> str:
    whole = int(days)
    return "under a day" if whole < 1 else f"{whole} day{'' if whole == 1 else 's'}"


def days_left_text(days: float) -> str:
    if days <= 0:
        return "expired"
    return f"{plural_days(days)} left"


def days_left_color(days: float) -> str:
    if days < 3:
        return theme.DANGER
    return st.AMBER if days < 14 else st.TEXT


def link_button(text: str) -> QPushButton:
    """A text link that Tab reaches and Enter or Space follows, unlike a QLabel's link."""
    button = QPushButton(text)
    button.setCursor(Qt.CursorShape.PointingHandCursor)
    button.setStyleSheet(LINK_STYLE)
    return button


def subhead(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("subhead")
    label.setIndent(0)  # the theme pads it, which would otherwise indent its text
    return label


def muted(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("pageSubtitle")
    return label


class EmptyNote(QWidget):
    """A compact empty state for inside a card: an icon, what is missing, what fills it."""

    def __init__(self, icon_name: str, title: str, body: str) -> None:
        super().__init__()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 6)
        layout.setSpacing(12)
        picture = QLabel()
        picture.setPixmap(icon(icon_name, theme.SIDEBAR_ICON).pixmap(QSize(28, 28)))
        layout.addWidget(picture, 0, Qt.AlignmentFlag.AlignTop)
        words = QVBoxLayout()
        words.setSpacing(2)
        self.title = subhead(title)
        self.body = muted(body)
        self.body.setWordWrap(True)
        words.addWidget(self.title)
        words.addWidget(self.body)
        layout.addLayout(words, 1)


class ListPanel(Card):
    """A card of a few rows separated by rules, an empty note instead when there are none,
    and a link in its footer."""

    def __init__(self, title: str, empty: EmptyNote, link_text: str | None = None) -> None:
        super().__init__(title)
        self.rows_box = QVBoxLayout()
        self.rows_box.setContentsMargins(0, 0, 0, 0)
        self.rows_box.setSpacing(0)
        holder = QWidget()
        holder.setLayout(self.rows_box)
        self.add(holder)
        self.empty = empty
        self.add(empty)
        self.layout_.addStretch(1)
        footer = QHBoxLayout()
        self.more = muted("")
        footer.addWidget(self.more)
        footer.addStretch(1)
        self.link = link_button(link_text) if link_text else None
        if self.link is not None:
            footer.addWidget(self.link)
        self.layout_.addLayout(footer)
        self.rows: list[QWidget] = []

    def set_rows(self, rows: list[QWidget], total: int) -> None:
        for old in self.rows:
            discard(old)
        self.rows = []
        for i, row in enumerate(rows):
            if i:
                rule = QFrame()
                rule.setObjectName("rule")
                rule.setFrameShape(QFrame.Shape.HLine)
                self.rows.append(rule)
            self.rows.append(row)
        for widget in self.rows:
            self.rows_box.addWidget(widget)
            widget.show()  # now, not when the layout's queued show comes round
        self.empty.setVisible(not rows)
        hidden = total - len(rows)
        self.more.setText(f"and {hidden} more" if hidden > 0 else "")


class ElidedLabel(QLabel):
    """Plain text cut with "…" to the width it gets, whole in its tooltip: a long host name
    must not widen the page past the window."""

    def __init__(self, text: str, object_name: str = "", keep: int = 0) -> None:
        super().__init__()
        self.full = text
        self.keep = keep  # the width it holds on to before its neighbours give theirs up
        self.setObjectName(object_name)
        self.setToolTip(text)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setIndent(0)  # the theme's padding would otherwise indent it
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self.setText(text)

    def sizeHint(self) -> QSize:
        width = self.fontMetrics().horizontalAdvance(self.full) + 1  # fractional widths round
        return QSize(width, super().sizeHint().height())

    def minimumSizeHint(self) -> QSize:
        width = min(self.keep, self.sizeHint().width())
        return QSize(width, super().minimumSizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        elided = self.fontMetrics().elidedText(
            self.full, Qt.TextElideMode.ElideMiddle, self.width()
        )
        if elided != self.text():
            self.setText(elided)


def line(name: str, detail: str, figure: str, figure_color: str, tip: str) -> QWidget:
    """One row of a short list: a name over a muted detail, a coloured figure on the right."""
    row = QWidget()
    row.setToolTip(tip)
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 6, 0, 6)
    layout.setSpacing(10)
    words = QVBoxLayout()
    words.setSpacing(1)
    words.addWidget(ElidedLabel(name, "subhead", keep=160))
    words.addWidget(ElidedLabel(detail, "pageSubtitle"))
    right = QLabel(f'<b style="color:{figure_color}">{escape(figure)}</b>')
    right.setTextFormat(Qt.TextFormat.RichText)
    layout.addLayout(words, 1)
    layout.addWidget(right, 0, Qt.AlignmentFlag.AlignVCenter)
    return row


class AlertsPanel(ListPanel):
    acknowledge = Signal(int)

    def __init__(self) -> None:
        super().__init__(
            "Open alerts",
            EmptyNote(
                "check",
                "No open alerts",
                "When a check fails, its alert shows here and goes to your notifiers.",
            ),
            "View all alerts",
        )
        self.buttons: dict[int, QPushButton] = {}

    def show_alerts(self, alerts: tuple[AlertInfo, ...], now: datetime) -> None:
        """Critical first, then the newest."""
        ordered = sorted(alerts, key=lambda a: (st.rank(a.severity), -_stamp(a.opened_at)))
        self.buttons = {}
        self.set_rows([self._row(a, now) for a in ordered[:ALERT_ROWS]], len(alerts))
        critical = sum(1 for a in alerts if a.severity is Status.CRITICAL)
        self.set_description(f"{len(alerts)} open, {critical} critical" if alerts else "")

    def _row(self, alert: AlertInfo, now: datetime) -> QWidget:
        """Severity; target, workspace and when it opened over the message; Acknowledge (or
        who acknowledged it, under the message)."""
        row = QWidget()
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 8, 0, 8)
        layout.setSpacing(10)
        pill = st.Pill(alert.severity)
        pill.setFixedWidth(self._pill_width(pill))  # so every message starts at one edge
        layout.addWidget(pill, 0, Qt.AlignmentFlag.AlignTop)
        words = QVBoxLayout()
        words.setSpacing(2)
        head = QHBoxLayout()
        head.setSpacing(6)
        head.addWidget(ElidedLabel(alert.target, "subhead", keep=180))
        head.addWidget(ElidedLabel(f"· {alert.workspace}", "pageSubtitle"))
        head.addStretch(1)
        when = muted(ago(alert.opened_at, now))
        when.setToolTip(f"Opened {local_time(alert.opened_at)}")
        head.addWidget(when)
        words.addLayout(head)
        message = QLabel(alert.message)
        message.setWordWrap(True)
        words.addWidget(message)
        if alert.state is not AlertState.OPEN:
            by = muted(f"Acknowledged by {alert.acknowledged_by or 'someone'}")
            by.setToolTip(f"Acknowledged {local_time(alert.acknowledged_at)}")
            words.addWidget(by)
        layout.addLayout(words, 1)
        if alert.state is AlertState.OPEN:
            layout.addWidget(self._ack_button(alert.id), 0, Qt.AlignmentFlag.AlignTop)
        return row

    @staticmethod
    def _pill_width(pill: st.Pill) -> int:
        metrics = QFontMetrics(st.pill_font(pill.font()))
        return max(
            st.pill_size(metrics, st.WORDS[s]).width() for s in (Status.WARNING, Status.CRITICAL)
        )

    def _ack_button(self, alert_id: int) -> QPushButton:
        button = QPushButton("Acknowledge")
        button.setToolTip("Stop the reminders; the alert stays open until the check passes")
        button.clicked.connect(lambda: self._acknowledged(alert_id, button))
        self.buttons[alert_id] = button
        return button

    def _acknowledged(self, alert_id: int, button: QPushButton) -> None:
        """Disabled until the next refresh shows the alert acknowledged (or the error)."""
        button.setEnabled(False)
        button.setText("Acknowledging…")
        self.acknowledge.emit(alert_id)


class CertificatesPanel(ListPanel):
    def __init__(self) -> None:
        super().__init__(
            "Certificates expiring soonest",
            EmptyNote(
                "shield",
                "No certificates checked yet",
                "TLS checks on your servers' ports report each certificate's expiry here.",
            ),
        )

    def show_certificates(self, certificates: tuple[ExpiringCertificate, ...]) -> None:
        ordered = sorted(certificates, key=lambda c: c.days_left)[:LIST_ROWS]
        self.set_rows([self._row(c) for c in ordered], len(certificates))

    @staticmethod
    def _row(cert: ExpiringCertificate) -> QWidget:
        return line(
            cert.target,
            f"port {cert.port} · {cert.workspace}",
            days_left_text(cert.days_left),
            days_left_color(cert.days_left),
            f"{cert.target}:{cert.port}: {cert.days_left:.1f} days left, "
            f"checked {local_time(cert.checked_at)}",
        )


class SecretsPanel(ListPanel):
    def __init__(self) -> None:
        super().__init__(
            "Secrets due for rotation",
            EmptyNote(
                "key",
                "No secrets due for rotation",
                "Secrets with a rotation policy show here when their turn comes.",
            ),
            "Open Secrets",
        )

    def show_secrets(self, secrets: tuple[DueSecret, ...], now: datetime) -> None:
        ordered = sorted(secrets, key=lambda s: aware(s.due_at))[:LIST_ROWS]
        self.set_rows([self._row(s, now) for s in ordered], len(secrets))

    @staticmethod
    def _row(secret: DueSecret, now: datetime) -> QWidget:
        days = (aware(secret.due_at) - aware(now)).total_seconds() / 86400
        if days <= 0:
            figure, color = f"{plural_days(-days)} overdue", theme.DANGER
        else:
            figure, color = f"in {plural_days(days)}", st.TEXT
        return line(
            secret.name,
            f"{secret.workspace or 'agency'} · due {local_time(secret.due_at)[:10]}",
            figure,
            color,
            f"{secret.name}: rotation due {local_time(secret.due_at)}",
        )
