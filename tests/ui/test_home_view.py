"""The Home dashboard's view, fed Dashboards built by hand (the service that reads them is tested
on its own): tiles of every status and type, what clicking and the keyboard emit, the alert,
certificate and secret lists, empty states, refreshes that reuse, drop and keep their place,
and charts with many, one or no points, loaded only when there is something to chart."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from itertools import product
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot

from penguin_desktop.core.monitoring.models import (
    AlertInfo,
    AlertState,
    CheckKind,
    Dashboard,
    DueSecret,
    ExpiringCertificate,
    Series,
    SeriesPoint,
    Status,
    Tile,
    Uptime,
)
from penguin_desktop.ui.monitoring import status as st
from penguin_desktop.ui.monitoring.home_view import HomeView
from penguin_desktop.ui.monitoring.panels import days_left_color, days_left_text
from penguin_desktop.ui.monitoring.tiles import StatusTile, percent, uptime_text
from penguin_desktop.ui.shell import theme

NOW = datetime(2025, 6, 12, 9, 30, tzinfo=UTC)
ACME = "Acme Outreach"
NORTHWIND = "Northwind Sales"
STATUSES: tuple[Status | None, ...] = (*Status, None)
GOOD_UPTIME = Uptime(100.0, 99.98, 99.5)


def tile(
    name: str,
    status: Status | None = Status.OK,
    kind: str = "server",
    workspace: str = ACME,
    alerts: int = 0,
    uptime: Uptime = GOOD_UPTIME,
) -> Tile:
    return Tile(workspace, name, kind, status, f"{name} summary", alerts, uptime)


def alert(
    alert_id: int,
    severity: Status = Status.CRITICAL,
    hours: float = 1,
    state: AlertState = AlertState.OPEN,
) -> AlertInfo:
    return AlertInfo(
        alert_id,
        ACME,
        alert_id * 10,
        CheckKind.SMTP,
        f"mx{alert_id}.acme-mail.com",
        "down",
        severity,
        state,
        f"SMTP refused on mx{alert_id}",
        f"key-{alert_id}",
        NOW - timedelta(hours=hours),
        "jane@agency.test" if state is AlertState.ACKNOWLEDGED else None,
        NOW if state is AlertState.ACKNOWLEDGED else None,
        None,
    )


def line(metric: str, target: str, values: list[float], end: datetime = NOW) -> Series:
    start = end - timedelta(hours=len(values))
    points = tuple(SeriesPoint(start + timedelta(hours=i + 1), v) for i, v in enumerate(values))
    return Series(metric, ACME, target, points)


def dashboard(
    tiles: tuple[Tile, ...] = (),
    workspaces: tuple[str, ...] = (ACME, NORTHWIND),
    alerts: tuple[AlertInfo, ...] = (),
    expiring: tuple[ExpiringCertificate, ...] = (),
    secrets: tuple[DueSecret, ...] = (),
    series: tuple[Series, ...] = (),
) -> Dashboard:
    return Dashboard(workspaces, tiles, alerts, expiring, secrets, series, NOW)


def every_kind() -> tuple[Tile, ...]:
    """One tile of every status for each type, never-checked and no-uptime ones included."""
    return tuple(
        tile(
            f"{kind}-{status.value if status else 'never'}.example",
            status,
            kind,
            uptime=Uptime(None, None, None) if status is None else Uptime(99.5, 99.9, 100.0),
        )
        for status, kind in product(STATUSES, ("server", "domain"))
    )


@pytest.fixture
def view(qtbot: QtBot) -> HomeView:
    widget = HomeView()
    qtbot.addWidget(widget)
    widget.resize(1080, 700)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def tiles_of(view: HomeView) -> dict[str, StatusTile]:
    return {t.tile.target: t for t in view.findChildren(StatusTile)}


def texts(view: HomeView) -> str:
    return "\n".join(label.text() for label in view.findChildren(QLabel) if label.isVisible())


# --- tiles ----------------------------------------------------------------------------------------
def test_every_kind_of_tile_shows_its_name_status_and_uptime(view: HomeView) -> None:
    view.show_dashboard(dashboard(every_kind()))
    shown = tiles_of(view)
    assert len(shown) == 10
    for name, widget in shown.items():
        word = st.WORDS[widget.tile.status]
        assert name in widget.accessibleName()
        assert word.lower() in widget.accessibleName()
        assert uptime_text(widget.tile.uptime) in widget.toolTip()
        assert not widget.grab().isNull()  # painting every kind runs without error
    assert "Not checked" in shown["server-never.example"].toolTip()
    assert "24h —" in shown["domain-never.example"].toolTip()
    assert st.STYLES[None].background == "#ffffff"  # never checked: a hollow badge
    counts = view.summary
    assert (counts.servers.value, counts.domains.value) == (5, 5)
    assert {s: c.value for s, c in counts.statuses.items()} == dict.fromkeys(STATUSES, 2)


def test_uptime_reads_as_people_quote_it() -> None:
    assert percent(None) == "—"
    assert percent(100.0) == "100%"
    assert percent(99.999) == "99.99%"  # never rounded up to a perfect record
    assert percent(99.5) == "99.5%"
    assert uptime_text(Uptime(100.0, None, 97.0)) == "24h 100%, 7d —, 30d 97%"


def test_tiles_lead_with_the_worst_and_follow_the_workspace_order(view: HomeView) -> None:
    tiles = (
        tile("mx10.acme.com"),
        tile("mx2.acme.com"),
        tile("acme.com", Status.CRITICAL, "domain"),
        tile("mx3.acme.com", Status.WARNING),
        tile("mx1.northwind.net", workspace=NORTHWIND),
    )
    view.show_dashboard(dashboard(tiles, workspaces=(NORTHWIND, ACME)))
    sections = view.workspaces.sections
    assert list(sections) == [NORTHWIND, ACME]
    order = [t.tile.target for t in sections[ACME].grid.tiles]
    assert order == ["acme.com", "mx3.acme.com", "mx2.acme.com", "mx10.acme.com"]


def test_clicking_a_tile_or_pressing_enter_on_it_opens_its_target(
    qtbot: QtBot, view: HomeView
) -> None:
    view.show_dashboard(dashboard((tile("mx1.acme.com"), tile("acme.com", kind="domain"))))
    shown = tiles_of(view)
    with qtbot.waitSignal(view.open_target) as clicked:
        QTest.mouseClick(shown["mx1.acme.com"], Qt.MouseButton.LeftButton)
    assert clicked.args == [ACME, "server", "mx1.acme.com"]

    domain = shown["acme.com"]
    assert domain.focusPolicy() == Qt.FocusPolicy.StrongFocus
    for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
        with qtbot.waitSignal(view.open_target) as pressed:
            QTest.keyClick(domain, key)
        assert pressed.args == [ACME, "domain", "acme.com"]


def test_tab_goes_from_tile_to_tile_in_reading_order(qtbot: QtBot, view: HomeView) -> None:
    view.show_dashboard(dashboard((tile("b.example"), tile("c.example"))))
    view.show_dashboard(dashboard((tile("a.example"), tile("b.example"), tile("c.example"))))
    grid = view.workspaces.sections[ACME].grid.tiles
    assert [t.tile.target for t in grid] == ["a.example", "b.example", "c.example"]
    view.activateWindow()
    grid[0].setFocus()
    qtbot.waitUntil(grid[0].hasFocus)
    QTest.keyClick(grid[0], Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is grid[1]  # the tile added later comes first in Tab order
    QTest.keyClick(grid[1], Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is grid[2]


def test_a_refresh_updates_tiles_in_place_and_drops_the_stale_ones(view: HomeView) -> None:
    view.show_dashboard(
        dashboard(
            (tile("mx1.acme.com"), tile("mx2.acme.com"), tile("mx1.nw.net", workspace=NORTHWIND))
        )
    )
    kept = tiles_of(view)["mx1.acme.com"]
    view.show_dashboard(
        dashboard((tile("mx1.acme.com", Status.CRITICAL, alerts=2),), workspaces=(ACME,))
    )
    shown = tiles_of(view)
    assert list(shown) == ["mx1.acme.com"]
    assert shown["mx1.acme.com"] is kept  # reused, not rebuilt
    assert kept.tile.status is Status.CRITICAL
    assert "2 open alerts" in kept.toolTip()
    assert list(view.workspaces.sections) == [ACME]


def test_a_refresh_keeps_the_scroll_position(qtbot: QtBot, view: HomeView) -> None:
    many = tuple(tile(f"mx{i}.acme.com") for i in range(60))
    view.show_dashboard(dashboard(many))
    bar = view.scroll_area.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 500)
    bar.setValue(500)
    view.show_dashboard(dashboard(many))
    QApplication.processEvents()
    assert bar.value() == 500


def test_a_workspace_can_be_folded_away(view: HomeView) -> None:
    view.show_dashboard(dashboard((tile("mx1.acme.com"),)))
    section = view.workspaces.sections[ACME]
    section.toggle.click()
    assert not section.grid.isVisible()
    view.show_dashboard(dashboard((tile("mx1.acme.com"),)))
    assert not section.grid.isVisible()  # stays folded across a refresh
    section.toggle.click()
    assert section.grid.isVisible()


# --- alerts, certificates, secrets ----------------------------------------------------------------
def test_acknowledge_emits_the_alert_id_and_view_all_opens_the_alerts(
    qtbot: QtBot, view: HomeView
) -> None:
    alerts = (
        alert(7, Status.WARNING, hours=0.5),
        alert(8, Status.CRITICAL, hours=30),
        alert(9, Status.WARNING, hours=2, state=AlertState.ACKNOWLEDGED),
    )
    view.show_dashboard(dashboard(alerts=alerts))
    assert list(view.alerts.buttons) == [8, 7]  # critical first; acknowledged has no button
    button = view.alerts.buttons[7]
    with qtbot.waitSignal(view.acknowledge) as acked:
        QTest.mouseClick(button, Qt.MouseButton.LeftButton)
    assert acked.args == [7]
    assert not button.isEnabled()  # until the refresh shows it acknowledged
    shown = texts(view)
    assert "Acknowledged by jane@agency.test" in shown
    assert "30 min ago" in shown and "1 d ago" in shown
    assert view.summary.alerts.value == 3
    assert view.alerts.link is not None
    with qtbot.waitSignal(view.open_alerts):
        view.alerts.link.click()


def test_only_the_first_alerts_show_and_the_rest_are_counted(view: HomeView) -> None:
    view.show_dashboard(dashboard(alerts=tuple(alert(i, hours=i) for i in range(1, 11))))
    assert len(view.alerts.buttons) == 6
    assert view.alerts.more.text() == "and 4 more"


def test_certificates_soonest_first_in_the_colour_of_their_urgency(view: HomeView) -> None:
    certs = (
        ExpiringCertificate(ACME, "mx1.acme.com", 993, 40.2, NOW),
        ExpiringCertificate(ACME, "mx2.acme.com", 465, 2.4, NOW),
        ExpiringCertificate(NORTHWIND, "mx1.nw.net", 25, 10.0, NOW),
    )
    view.show_dashboard(dashboard(expiring=certs))
    shown = texts(view)
    assert shown.index("mx2.acme.com") < shown.index("mx1.nw.net") < shown.index("mx1.acme.com")
    assert "port 465 · Acme Outreach" in shown
    assert "2 days left" in shown and "40 days left" in shown
    assert days_left_color(2.4) == theme.DANGER
    assert days_left_color(10) == st.AMBER
    assert days_left_color(40) == st.TEXT
    assert days_left_text(-1) == "expired"
    assert days_left_text(0.5) == "under a day left"


def test_secrets_due_show_their_workspace_or_the_agency_and_overdue_in_red(
    qtbot: QtBot, view: HomeView
) -> None:
    secrets = (
        DueSecret(None, "cloudflare-token", NOW + timedelta(days=5, hours=1)),
        DueSecret(ACME, "ssh-key/mx2.acme.com", NOW - timedelta(days=3, hours=1)),
    )
    view.show_dashboard(dashboard(secrets=secrets))
    shown = texts(view)
    assert shown.index("ssh-key/mx2.acme.com") < shown.index("cloudflare-token")
    assert "agency · due" in shown and "in 5 days" in shown
    overdue = next(
        label for label in view.secrets.findChildren(QLabel) if "3 days overdue" in label.text()
    )
    assert theme.DANGER in overdue.text()
    assert view.secrets.link is not None
    with qtbot.waitSignal(view.open_secrets):
        view.secrets.link.click()


# --- empty ----------------------------------------------------------------------------------------
def test_an_empty_dashboard_says_what_fills_each_part(view: HomeView) -> None:
    view.show_dashboard(dashboard(workspaces=()))
    assert view.nothing.isVisible()
    shown = texts(view)
    assert "Add a server or a domain and its checks start on their own" in shown
    for words in (
        "No open alerts",
        "No certificates checked yet",
        "No secrets due for rotation",
        "No measurements yet",
    ):
        assert words in shown
    assert view.charts is None
    assert not view.findChildren(StatusTile)
    assert not view.grab().isNull()


def test_a_workspace_without_servers_or_domains_says_so(view: HomeView) -> None:
    view.show_dashboard(dashboard((tile("mx1.acme.com"),)))
    assert not view.nothing.isVisible()
    assert "No servers or domains in this workspace yet." in texts(view)  # Northwind's


# --- charts ---------------------------------------------------------------------------------------
def test_charts_draw_the_worst_lines_and_survive_one_or_no_points(
    qtbot: QtBot, view: HomeView
) -> None:
    series = (
        *(line("latency_ms", f"mx{i}.acme.com", [10.0, 20.0, float(i)]) for i in range(12)),
        line("queue_size", "mx1.acme.com", [3.0]),  # one point: a dot
        line("disk_percent", "mx1.acme.com", []),  # no point: nothing to draw
    )
    view.show_dashboard(dashboard((tile("mx1.acme.com"),), series=series))
    qtbot.waitUntil(lambda: view.charts is not None)
    assert view.charts is not None
    charts = view.charts.charts
    latency = charts["latency_ms"]
    assert [s.target for s in latency.lines] == [f"mx{i}.acme.com" for i in range(11, 3, -1)]
    assert "8 of 12 shown" in latency.legend.text()
    assert len(charts["queue_size"].lines) == 1
    assert charts["disk_percent"].empty.isVisible()
    assert charts["cert_days"].empty.isVisible()
    assert not view.trends_empty.isVisible()
    assert not view.grab().isNull()

    view.show_dashboard(dashboard((tile("mx1.acme.com"),)))  # measurements gone
    assert not view.charts.isVisible()
    assert view.trends_empty.isVisible()


def test_a_chart_puts_current_lines_before_stopped_ones_and_fewest_cert_days_first(
    qtbot: QtBot, view: HomeView
) -> None:
    stopped = NOW - timedelta(days=2)
    series = (
        line("cert_days", "fine.acme.com", [60.0, 59.0]),
        line("cert_days", "soon.acme.com", [5.0, 4.0]),
        line("cert_days", "gone.acme.com", [1.0, 0.5], end=stopped),
    )
    view.show_dashboard(dashboard(series=series))
    qtbot.waitUntil(lambda: view.charts is not None)
    assert view.charts is not None
    cert = view.charts.charts["cert_days"]
    assert [s.target for s in cert.lines] == ["soon.acme.com", "fine.acme.com", "gone.acme.com"]


def test_the_view_loads_pyqtgraph_only_when_there_is_something_to_chart(tmp_path: Path) -> None:
    """Start-up is measured: a view with no measurements must not import pyqtgraph."""
    script = tmp_path / "lazy.py"
    script.write_text(
        "import sys\n"
        "from datetime import UTC, datetime\n"
        "from PySide6.QtWidgets import QApplication\n"
        "from penguin_desktop.core.monitoring.models import Dashboard\n"
        "from penguin_desktop.ui.monitoring.home_view import HomeView\n"
        "app = QApplication([])\n"
        "view = HomeView()\n"
        "view.show()\n"
        "view.show_dashboard(Dashboard((), (), (), (), (), (), datetime.now(UTC)))\n"
        "app.processEvents()\n"
        "print('pyqtgraph' in sys.modules, 'numpy' in sys.modules)\n",
        encoding="utf-8",
    )
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(root)}
    run = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, env=env, check=True
    )
    assert run.stdout.strip() == "False False"
