"""The forms of the Checks tab: add or edit a check, and confirm removing one.

A check runs on a server (the network kinds, server health, blocklists) or on a domain (DNS,
blocklists); the target list follows the kind. Port, TLS and the certificate name belong to the
network kinds only and are hidden for the others. The thresholds offered are those of the
conditions the kind can raise; an empty field means the rule in force for the workspace, shown
as the field's placeholder. Core's refusals land under the field they name."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QSpinBox,
    QWidget,
)

from penguin_desktop.core.monitoring import rules
from penguin_desktop.core.monitoring.checks import MAX_INTERVAL, MIN_INTERVAL, CheckChange
from penguin_desktop.core.monitoring.defaults import (
    DOMAIN_KINDS,
    INTERVALS,
    NETWORK_DEFAULTS,
    SERVER_KINDS,
)
from penguin_desktop.core.monitoring.models import CheckInfo, CheckKind, TlsMode
from penguin_desktop.core.monitoring.rule_settings import RuleView
from penguin_desktop.core.platform.errors import ValidationError
from penguin_desktop.ui.monitoring import check_words as words
from penguin_desktop.ui.shell.state import AppState
from penguin_desktop.ui.widgets.form import FormDialog, hint_label, set_hint

Levels = tuple[float | None, float | None]
# Conditions with figures to set: the others follow the probe's own verdict.
TUNABLE = tuple(
    c for c, d in rules.DEFINITIONS.items() if d.direction is not rules.Direction.STATUS
)


@dataclass(frozen=True)
class Targets:
    """What a check can run on in the workspace: its servers' and domains' names."""

    servers: Sequence[str]
    domains: Sequence[str]


def _number(text: str, field: str) -> float | None:
    raw = text.strip()
    if not raw:
        return None
    try:
        return float(raw)
    except ValueError:
        raise ValidationError(f"{raw!r} is not a number", field=field, value=raw) from None


def _figure(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


class ThresholdRow:
    """A condition's warning and critical thresholds side by side, in one form row (a layout,
    so an error about either lands under the row); flapping only warns."""

    def __init__(self, condition: rules.Condition, rule: RuleView | None) -> None:
        self.condition = condition
        self.layout = QHBoxLayout()
        self.layout.setSpacing(8)
        self.inherited: Levels = (rule.warning, rule.critical) if rule else (None, None)
        self.warning = self._edit("warning", self.inherited[0])
        self.critical: QLineEdit | None = None
        if condition is rules.Condition.FLAPPING:
            self.layout.addStretch(1)  # it only warns: the warning keeps its column
        else:
            self.critical = self._edit("critical", self.inherited[1])

    def _edit(self, level: str, value: float | None) -> QLineEdit:
        edit = QLineEdit()
        shown = _figure(value) or "none"
        edit.setPlaceholderText(f"{level}: {shown}")
        edit.setToolTip(f"The {level} threshold for this check; empty: the rule's ({shown})")
        edit.setAccessibleName(f"{words.condition_words(self.condition)} {level} threshold")
        self.layout.addWidget(edit, 1)
        return edit

    def show_levels(self, levels: Levels | None) -> None:
        self.warning.setText(_figure(levels[0]) if levels else "")
        if self.critical is not None:
            self.critical.setText(_figure(levels[1]) if levels else "")

    def levels(self, current: Levels | None) -> Levels | None:
        """What to save: None to leave it (nothing typed, nothing set before); both fields
        emptied, (None, None): the check follows the rule again; one emptied takes the rule's
        figure."""
        key = self.condition.value
        warning = _number(self.warning.text(), f"{key}_warning")
        critical = _number(self.critical.text(), f"{key}_critical") if self.critical else None
        if warning is None and critical is None:
            return None if current is None else (None, None)
        chosen = (
            self.inherited[0] if warning is None else warning,
            self.inherited[1] if critical is None else critical,
        )
        return None if chosen == current else chosen


class CheckDialog(FormDialog):
    """Add a check (`check` None) or change one: port, TLS, certificate name, how often, and
    its own thresholds."""

    def __init__(
        self,
        state: AppState,
        workspace: str,
        targets: Targets,
        rule_views: Sequence[RuleView],
        check: CheckInfo | None = None,
        parent: QWidget | None = None,
    ) -> None:
        title = (
            f"Add a check to {workspace}"
            if check is None
            else f"Edit the {words.SHORT_KIND_WORDS[check.kind]} check of {check.target}"
        )
        super().__init__(
            title,
            "Checks run in the background at the interval you choose; the alerts they raise "
            "follow the workspace's rules unless you set this check's own thresholds below.",
            "Add check" if check is None else "Save",
            parent,
        )
        self.setObjectName("checkDialog")
        self.state, self.workspace, self.targets, self.check = state, workspace, targets, check
        self.result_check: CheckInfo | None = None
        self._build_fields()
        self._build_thresholds({r.condition: r for r in rule_views})
        if check is not None:
            self._show_check(check)
        self._kind_changed()
        self.kind.setFocus()

    # --- building -------------------------------------------------------------------------------
    def _build_fields(self) -> None:
        self.kind = QComboBox()
        for kind in CheckKind:
            self.kind.addItem(words.KIND_WORDS[kind], kind)
        self.target = QComboBox()
        self.port = QLineEdit()
        self.tls = QComboBox()
        for mode in TlsMode:
            self.tls.addItem(words.TLS_WORDS[mode], mode)
        self.tls_name = QLineEdit()
        self.tls_name.setPlaceholderText("the server's host name")
        self.interval = QSpinBox()
        self.interval.setRange(MIN_INTERVAL, MAX_INTERVAL)
        self.interval.setSingleStep(10)
        self.interval.setSuffix(" s")
        self.interval.setAccelerated(True)
        self.interval_hint = hint_label()
        self.form.addRow("&Kind", self.kind)
        self.form.addRow("&Target", self.target)
        self.form.addRow("&Port", self.port)
        self.form.addRow("T&LS", self.tls)
        self.form.addRow("Certificate &name", self.tls_name)
        self.form.addRow("&Every", self.interval)
        self.form.addRow("", self.interval_hint)
        for widget in (self.kind, self.target, self.tls, self.interval):
            widget.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.kind.currentIndexChanged.connect(lambda _i: self._kind_changed())
        self.interval.valueChanged.connect(self._interval_changed)
        self.fields.update(
            kind=self.kind,
            server=self.target,
            domain=self.target,
            port=self.port,
            tls=self.tls,
            tls_name=self.tls_name,
            interval=self.interval,
        )

    def _build_thresholds(self, views: dict[str, RuleView]) -> None:
        self.threshold_title = QLabel("Alert thresholds (empty: the workspace's rule)")
        self.threshold_title.setObjectName("subhead")
        self.threshold_title.setIndent(0)  # the theme pads it, which would indent its text
        self.form.addRow(self.threshold_title)
        self.thresholds: dict[rules.Condition, ThresholdRow] = {}
        for condition in TUNABLE:
            row = ThresholdRow(condition, views.get(condition.value))
            unit = rules.DEFINITIONS[condition].unit
            caption = words.condition_words(condition)
            label = f"{caption} ({unit})" if unit else caption
            self.form.addRow(label, row.layout)
            caption_label = self.form.labelForField(row.layout)
            if caption_label is not None:
                caption_label.setToolTip(words.condition_meaning(condition))
            self.thresholds[condition] = row
            self.fields[f"{condition.value}_warning"] = row.warning
            if row.critical is not None:
                self.fields[f"{condition.value}_critical"] = row.critical

    def _show_check(self, check: CheckInfo) -> None:
        self.kind.setCurrentIndex(self.kind.findData(check.kind))
        self.kind.setEnabled(False)
        self.target.addItem(f"{check.target} ({check.target_type})", check.target_type)
        self.target.setEnabled(False)
        self.port.setText(str(check.port) if check.port else "")
        if check.tls is not None:
            self.tls.setCurrentIndex(self.tls.findData(check.tls))
        self.tls_name.setText(check.tls_name or "")
        self.interval.setValue(check.interval)
        for condition, row in self.thresholds.items():
            row.show_levels(check.thresholds.get(condition.value))

    # --- following the kind ---------------------------------------------------------------------
    @property
    def chosen_kind(self) -> CheckKind:
        return CheckKind(self.kind.currentData())

    def _kind_changed(self) -> None:
        self.message.clear_message()  # an error about a field the kind hides would linger
        kind = self.chosen_kind
        network = kind in NETWORK_DEFAULTS
        for widget in (self.port, self.tls, self.tls_name):
            self.form.setRowVisible(widget, network)
        if self.check is None:
            self._fill_targets(kind)
            port, tls = NETWORK_DEFAULTS.get(kind, (None, None))
            self.port.setPlaceholderText(f"{port} (the default)" if port else "")
            if tls is not None:
                self.tls.setCurrentIndex(self.tls.findData(tls))
            self.interval.setValue(INTERVALS[kind])
        shown = [c for c in TUNABLE if kind in rules.DEFINITIONS[c].kinds]
        for condition, row in self.thresholds.items():
            self.form.setRowVisible(row.layout, condition in shown)
        self.form.setRowVisible(self.threshold_title, bool(shown))
        self.fields["threshold"] = self.thresholds[shown[0]].warning if shown else self.kind
        self._interval_changed(self.interval.value())

    def _fill_targets(self, kind: CheckKind) -> None:
        before = self.target.currentText()
        self.target.clear()
        if kind in SERVER_KINDS:
            for name in self.targets.servers:
                self.target.addItem(f"{name} (server)", ("server", name))
        if kind in DOMAIN_KINDS:
            for name in self.targets.domains:
                self.target.addItem(f"{name} (domain)", ("domain", name))
        if self.target.count() == 0:
            what = "domains" if kind not in SERVER_KINDS else "servers"
            self.target.setPlaceholderText(f"No {what} in {self.workspace} yet")
        found = self.target.findText(before)
        self.target.setCurrentIndex(max(found, 0) if self.target.count() else -1)

    def _interval_changed(self, seconds: int) -> None:
        set_hint(self.interval_hint, f"Runs every {words.every_text(seconds)}")

    # --- saving ---------------------------------------------------------------------------------
    def _port(self) -> int | None:
        raw = self.port.text().strip()
        if not raw:
            return None
        try:
            return int(raw)
        except ValueError:
            raise ValidationError(f"{raw!r} is not a port number", field="port") from None

    def _threshold_change(self) -> dict[str, Levels]:
        kind, current = self.chosen_kind, self.check.thresholds if self.check else {}
        changed: dict[str, Levels] = {}
        for condition, row in self.thresholds.items():
            if kind not in rules.DEFINITIONS[condition].kinds:
                continue
            levels = row.levels(current.get(condition.value))
            if levels is not None:
                changed[condition.value] = levels
        return changed

    def submit(self) -> None:
        port, thresholds = self._port(), self._threshold_change()
        checks, actor = self.state.container.monitoring.checks, self.state.actor
        if self.check is None:
            self.result_check = self._add(port)
            if thresholds:
                self.result_check = checks.set(
                    actor, self.result_check.id, CheckChange(thresholds=thresholds)
                )
            return
        self.result_check = checks.set(actor, self.check.id, self._change(port, thresholds))

    def _add(self, port: int | None) -> CheckInfo:
        kind = self.chosen_kind
        target = self.target.currentData()
        if target is None:
            raise ValidationError(
                f"pick a server or domain for the check; {self.workspace} has none it can run on",
                field="server",
            )
        network = kind in NETWORK_DEFAULTS
        return self.state.container.monitoring.checks.add(
            self.state.actor,
            self.workspace,
            kind,
            server=target[1] if target[0] == "server" else None,
            domain=target[1] if target[0] == "domain" else None,
            port=port if network else None,
            tls=TlsMode(self.tls.currentData()) if network else None,
            tls_name=(self.tls_name.text().strip() or None) if network else None,
            interval=self.interval.value(),
        )

    def _change(self, port: int | None, thresholds: dict[str, Levels]) -> CheckChange:
        check = self.check
        assert check is not None
        network = check.kind in NETWORK_DEFAULTS
        if network and port is None:
            port = NETWORK_DEFAULTS[check.kind][0]
        tls = TlsMode(self.tls.currentData()) if network else None
        name = self.tls_name.text().strip()
        return CheckChange(
            port=port if network and port != check.port else None,
            tls=tls if tls != check.tls else None,
            tls_name=name if network and name != (check.tls_name or "") else None,
            interval=self.interval.value() if self.interval.value() != check.interval else None,
            thresholds=thresholds or None,
        )


class RemoveCheckDialog(FormDialog):
    def __init__(self, state: AppState, check: CheckInfo, parent: QWidget | None = None) -> None:
        super().__init__(
            f"Remove the {words.SHORT_KIND_WORDS[check.kind]} check of {check.target}?",
            f"Check #{check.id} stops running, and its results and alerts are deleted with it. "
            "The server or domain itself is untouched.",
            "Remove check",
            parent,
            danger=True,
        )
        self.state, self.check = state, check
        self.ok_button.setDefault(False)

    def submit(self) -> None:
        self.state.container.monitoring.checks.remove(self.state.actor, self.check.id)
