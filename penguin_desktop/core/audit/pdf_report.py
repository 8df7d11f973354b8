"""The printable audit report: title, filters, period, the events table, page numbers and the
chain head hash on every page so a reader can check it against `penguin audit verify`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, Spacer, TableStyle

from penguin_desktop.core.audit.export import Batches, ReportHeader, atomic_path, report_progress
from penguin_desktop.core.platform.jobs import JobContext

_PAGE = landscape(A4)
_COLUMNS = ("#", "Time (UTC)", "Actor", "Workspace", "Action", "Target", "Result", "Change")
_WIDTHS = (14 * mm, 34 * mm, 45 * mm, 30 * mm, 34 * mm, 40 * mm, 15 * mm, 65 * mm)


class _NumberedCanvas(Canvas):
    """Defers page output so each footer can say 'page N of M'."""

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
            self.drawString(12 * mm, 8 * mm, f"Audit chain head: {self.head_hash}")
            self.drawRightString(_PAGE[0] - 12 * mm, 8 * mm, f"Page {self._pageNumber} of {total}")
            super().showPage()
        super().save()


def _summary_text(summary: str) -> str:
    data = json.loads(summary)
    return ", ".join(f"{k}: {v}" for k, v in data.items()) if isinstance(data, dict) else summary


def write_pdf(path: Path, header: ReportHeader, batches: Batches, ctx: JobContext | None) -> int:
    styles = getSampleStyleSheet()
    cell = ParagraphStyle("cell", parent=styles["BodyText"], fontSize=7, leading=8.5)
    small = ParagraphStyle("small", parent=styles["BodyText"], fontSize=8.5, alignment=TA_LEFT)
    story: list[Any] = [
        Paragraph(header.title, styles["Title"]),
        Paragraph(f"Organization: <b>{_esc(header.organization)}</b>", small),
        Paragraph(
            f"Generated {header.generated_at} by {_esc(header.generated_by)}; "
            f"chain head entry {header.head_seq}, hash <font face='Courier'>{header.head_hash}"
            "</font>",
            small,
        ),
        Paragraph("Filters: " + "; ".join(f"{k}: {_esc(v)}" for k, v in header.filters), small),
        Spacer(1, 4 * mm),
    ]
    data: list[list[Any]] = [list(_COLUMNS)]
    written = 0
    for batch in batches:
        for row in batch:
            seq, ts, actor, _face, workspace, action, target, outcome, summary = row[:9]
            data.append(
                [
                    str(seq),
                    Paragraph(str(ts).replace("T", " ").rstrip("Z")[:19], cell),
                    Paragraph(_esc(actor), cell),
                    Paragraph(_esc(workspace or "-"), cell),
                    Paragraph(_esc(action), cell),
                    Paragraph(_esc(target), cell),
                    outcome,
                    Paragraph(_esc(_summary_text(summary)), cell),
                ]
            )
        written += len(batch)
        report_progress(ctx, written, header)
    if written == 0:
        story.append(Paragraph("No audit events match these filters.", styles["Italic"]))
    else:
        table = LongTable(data, colWidths=_WIDTHS, repeatRows=1)
        table.setStyle(
            TableStyle(
                [
                    ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 7.5),
                    ("FONT", (0, 1), (-1, -1), "Helvetica", 7),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#1f3a5f")),
                    ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
                    (
                        "ROWBACKGROUNDS",
                        (0, 1),
                        (-1, -1),
                        [colors.white, colors.HexColor("#f1f4f8")],
                    ),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#c9d1db")),
                ]
            )
        )
        story.append(table)

    canvas_class = type("_Canvas", (_NumberedCanvas,), {"head_hash": header.head_hash})
    with atomic_path(path) as tmp:
        doc = SimpleDocTemplate(
            str(tmp),
            pagesize=_PAGE,
            leftMargin=12 * mm,
            rightMargin=12 * mm,
            topMargin=12 * mm,
            bottomMargin=14 * mm,
            title=header.title,
            author=header.generated_by,
        )
        doc.build(story, canvasmaker=canvas_class)
    return written


def _esc(text: object) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
