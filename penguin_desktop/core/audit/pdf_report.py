"""The printable audit report, written for a client or an auditor rather than for the program.

Page one says what the report covers (organization, filters, period) and sums it up: events by
action and by actor, and every denied attempt. The events table follows, each action in words
with its code beneath, each change as "field: old -> new" lines, each row with the start of its
hash. The last section says how to check the report against the live hash chain; every page's
footer carries the chain head and "page N of M".
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    CondPageBreak,
    KeepTogether,
    LongTable,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    TableStyle,
)

from penguin_desktop.core.audit.actions import action_words
from penguin_desktop.core.audit.changes import change_lines
from penguin_desktop.core.audit.digest import ReportDigest, display_time
from penguin_desktop.core.audit.export import Batches, ReportHeader, atomic_path, report_progress
from penguin_desktop.core.audit.pdf_parts import (
    HASH_PREFIX,
    Styles,
    esc,
    summary_block,
    verify_block,
)
from penguin_desktop.core.platform.jobs import JobContext
from penguin_desktop.core.platform.models import Outcome

_PAGE = landscape(A4)
_MARGIN = 12 * mm
_COLUMNS = (
    "#",
    "Time (UTC)",
    "Face",
    "Actor",
    "Workspace",
    "Action",
    "Target",
    "Result",
    "Change",
    "Hash",
)
# 268 mm fit between the margins and the frame's padding; Change gets what the others leave.
_WIDTHS = tuple(w * mm for w in (12, 16, 11, 34, 24, 36, 34, 12, 71, 18))
_HASH_COLUMN = len(_COLUMNS) - 1
_DENIED = Outcome.DENIED.value


class _NumberedCanvas(Canvas):
    """Defers page output so each footer can say 'page N of M'."""

    head_seq = 0
    head_hash = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self.setFont("Helvetica", 7)
            self.setFillColor(colors.grey)
            self.drawString(
                _MARGIN, 8 * mm, f"Audit chain head: entry {self.head_seq}, {self.head_hash}"
            )
            self.drawRightString(_PAGE[0] - _MARGIN, 8 * mm, f"Page {self._pageNumber} of {total}")
            super().showPage()
        super().save()


def _action_cell(code: str, denied: bool, st: Styles) -> Paragraph:
    """The action in words with its code beneath in small grey type (the code alone if it has
    no words), so a reader can match it with `penguin audit list`."""
    words = action_words(code, denied)
    if words == code:
        return Paragraph(esc(code), st.cell)
    return Paragraph(f"{esc(words)}<br/>{st.code(code)}", st.cell)


def _event_row(row: Any, st: Styles) -> list[Any]:
    seq, ts, actor, face, workspace, action, target, outcome, summary, _prev, row_hash = row[:11]
    denied = outcome == _DENIED
    change = "<br/>".join(esc(line) for line in change_lines(summary, action, target))
    return [
        str(seq),
        display_time(ts).replace(" ", "\n", 1),  # date over time; a plain cell is cheaper
        face,
        Paragraph(esc(actor), st.cell),
        Paragraph(esc(workspace or "-"), st.cell),
        _action_cell(action, denied, st),
        Paragraph(esc(target), st.cell),
        Paragraph("<font color='#b42318'><b>denied</b></font>", st.cell) if denied else outcome,
        Paragraph(change, st.cell) if change else "",
        str(row_hash)[:HASH_PREFIX],
    ]


def _header_block(header: ReportHeader, st: Styles) -> list[Any]:
    filters = "; ".join(f"{k}: {esc(v)}" for k, v in header.filters)
    return [
        Paragraph(esc(header.title), st.title),
        Paragraph(f"Organization: <b>{esc(header.organization)}</b>", st.body),
        Paragraph(
            f"Generated {display_time(header.generated_at)} UTC by {esc(header.generated_by)}; "
            f"chain head entry {header.head_seq}, hash {st.mono(header.head_hash)}",
            st.body,
        ),
        Paragraph(f"Filters: {filters}", st.body),
        Spacer(1, 3 * mm),
    ]


def _events_block(data: list[list[Any]], st: Styles) -> list[Any]:
    if len(data) == 1:
        return [
            Paragraph("Events", st.heading),
            Paragraph("No audit events match these filters.", st.body),
        ]
    table = LongTable(data, colWidths=_WIDTHS, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 7.5),
                ("FONT", (0, 1), (-1, -1), "Helvetica", 7.5),
                ("FONT", (_HASH_COLUMN, 1), (_HASH_COLUMN, -1), "Courier", 7),
                ("BACKGROUND", (0, 0), (-1, 0), st.navy),
                ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, st.stripe]),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("GRID", (0, 0), (-1, -1), 0.25, st.rule),
                ("LEFTPADDING", (0, 0), (-1, -1), 3),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return [CondPageBreak(40 * mm), Paragraph("Events", st.heading), table]


def write_pdf(path: Path, header: ReportHeader, batches: Batches, ctx: JobContext | None) -> int:
    """Write the report; the rows are formatted and summed up in the same single pass."""
    st = Styles.make()
    digest = ReportDigest()
    data: list[list[Any]] = [list(_COLUMNS)]
    written = 0
    for batch in batches:
        for row in batch:
            data.append(_event_row(row, st))
            _seq, ts, actor, _face, _ws, action, target, outcome, summary = row[:9]
            digest.add(ts, actor, action, target, outcome, summary)
        written += len(batch)
        report_progress(ctx, written, header)
    story: list[Any] = [
        *_header_block(header, st),
        *summary_block(digest, st),
        *_events_block(data, st),
        Spacer(1, 6 * mm),
        KeepTogether(verify_block(header, st)),
    ]
    attrs = {"head_seq": header.head_seq, "head_hash": header.head_hash}
    canvas_class = type("_Canvas", (_NumberedCanvas,), attrs)
    with atomic_path(path) as tmp:
        doc = SimpleDocTemplate(
            str(tmp),
            pagesize=_PAGE,
            leftMargin=_MARGIN,
            rightMargin=_MARGIN,
            topMargin=_MARGIN,
            bottomMargin=14 * mm,
            title=header.title,
            author=header.generated_by,
        )
        doc.build(story, canvasmaker=canvas_class)
    return written
