"""The audit report's type styles and its two prose sections: the first page's summary and the
closing "How to verify this report". Kept apart from the events table so each reads alone."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from penguin_desktop.core.audit.actions import action_words
from penguin_desktop.core.audit.digest import Denial, ReportDigest, display_time
from penguin_desktop.core.audit.export import ReportHeader

HASH_PREFIX = 10  # hex characters of each row's hash shown in the table
_GREY = "#6b7280"
_GRID_PER_ROW = 3  # (words, count) pairs side by side in the summary's count tables


def esc(text: object) -> str:
    """`text` safe inside a reportlab Paragraph (which reads a little XML)."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@dataclass(frozen=True)
class Styles:
    """One place for the report's type and colours, so the sections look like one document."""

    title: ParagraphStyle
    heading: ParagraphStyle
    subheading: ParagraphStyle
    body: ParagraphStyle
    cell: ParagraphStyle
    navy: ClassVar[colors.Color] = colors.HexColor("#1f3a5f")
    stripe: ClassVar[colors.Color] = colors.HexColor("#f1f4f8")
    rule: ClassVar[colors.Color] = colors.HexColor("#c9d1db")

    @classmethod
    def make(cls) -> Styles:
        base = getSampleStyleSheet()
        return cls(
            title=ParagraphStyle("title", parent=base["Title"], fontSize=18, spaceAfter=4),
            heading=ParagraphStyle(
                "heading", parent=base["Heading2"], fontSize=12, textColor=cls.navy, spaceBefore=6
            ),
            subheading=ParagraphStyle(
                "subheading", parent=base["Heading4"], fontSize=9, spaceBefore=5, spaceAfter=2
            ),
            body=ParagraphStyle("body", parent=base["BodyText"], fontSize=9, leading=12),
            cell=ParagraphStyle("cell", parent=base["BodyText"], fontSize=7.5, leading=9),
        )

    @staticmethod
    def code(code: str) -> str:
        """An action code as small grey markup, shown under or beside its words."""
        return f"<font size='6' color='{_GREY}'>{esc(code)}</font>"

    @staticmethod
    def mono(text: str) -> str:
        return f"<font face='Courier'>{esc(text)}</font>"


def _table(rows: list[list[Any]], widths: Sequence[float], st: Styles, head: bool) -> Table:
    table = Table(rows, colWidths=list(widths), repeatRows=1 if head else 0, hAlign="LEFT")
    style: list[Any] = [
        ("FONT", (0, 0), (-1, -1), "Helvetica", 7.5),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, st.rule),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
    ]
    if head:
        style += [
            ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 7.5),
            ("BACKGROUND", (0, 0), (-1, 0), st.stripe),
        ]
    table.setStyle(TableStyle(style))
    return table


def _grid(pairs: list[tuple[Paragraph, str]], st: Styles) -> Table:
    """(label, count) pairs in columns read top to bottom, so a long list stays short."""
    per_column = -(-len(pairs) // _GRID_PER_ROW)
    rows: list[list[Any]] = []
    for r in range(per_column):
        row: list[Any] = []
        for c in range(_GRID_PER_ROW):
            i = c * per_column + r
            row += list(pairs[i]) if i < len(pairs) else ["", ""]
        rows.append(row)
    table = _table(rows, [66 * mm, 16 * mm] * _GRID_PER_ROW, st, head=False)
    table.setStyle(TableStyle([("ALIGN", (1, 0), (-1, -1), "RIGHT")]))
    for c in range(_GRID_PER_ROW):
        table.setStyle(TableStyle([("ALIGN", (2 * c, 0), (2 * c, -1), "LEFT")]))
    return table


def _period(digest: ReportDigest) -> str:
    if not digest.total:
        return "no events"
    return f"{display_time(digest.first_ts)} to {display_time(digest.last_ts)} UTC"


def _facts(digest: ReportDigest, st: Styles) -> Table:
    rows = [
        ["Period covered", _period(digest)],
        ["Events", f"{digest.total:,}"],
        ["Denied attempts", f"{digest.denied:,}"],
        ["Actors", f"{len(digest.by_actor):,}"],
    ]
    table = _table(rows, [40 * mm, 110 * mm], st, head=False)
    table.setStyle(TableStyle([("FONT", (0, 0), (0, -1), "Helvetica-Bold", 7.5)]))
    return table


def _by_action(digest: ReportDigest, st: Styles) -> Table:
    pairs = []
    for (code, denied), count in sorted(
        digest.by_action.items(), key=lambda item: (-item[1], action_words(*item[0]))
    ):
        words = action_words(code, denied)
        label = f"Denied: {esc(words)}" if denied else esc(words)
        if words != code:
            label += f" {st.code(code)}"
        pairs.append((Paragraph(label, st.cell), f"{count:,}"))
    return _grid(pairs, st)


def _by_actor(digest: ReportDigest, st: Styles) -> Table:
    pairs = []
    for actor, count in sorted(digest.by_actor.items(), key=lambda item: (-item[1], item[0])):
        denied = digest.denied_by_actor.get(actor, 0)
        shown = f"{count:,} ({denied:,} denied)" if denied else f"{count:,}"
        pairs.append((Paragraph(esc(actor), st.cell), shown))
    return _grid(pairs, st)


def _denial_row(denial: Denial, st: Styles) -> list[Any]:
    attempted = f"{esc(action_words(denial.action, True))}<br/>{st.code(denial.action)}"
    return [
        display_time(denial.ts),
        Paragraph(esc(denial.actor), st.cell),
        Paragraph(attempted, st.cell),
        Paragraph(esc(denial.target), st.cell),
        Paragraph(esc(denial.reason), st.cell),
    ]


def _denials(digest: ReportDigest, st: Styles) -> list[Any]:
    if not digest.denied:
        return [Paragraph("No denied attempts in this report.", st.body)]
    if digest.lists_denials:
        rows = [["Time (UTC)", "Actor", "Attempted", "Target", "Reason"]]
        rows += [_denial_row(d, st) for d in digest.denials]
        return [_table(rows, [28 * mm, 45 * mm, 60 * mm, 45 * mm, 90 * mm], st, head=True)]
    pairs = [
        (Paragraph(esc(actor), st.cell), f"{count:,}")
        for actor, count in sorted(
            digest.denied_by_actor.items(), key=lambda item: (-item[1], item[0])
        )
    ]
    text = f"{digest.denied:,} denied attempts; by actor (each is a row marked denied below):"
    return [Paragraph(text, st.body), _grid(pairs, st)]


def summary_block(digest: ReportDigest, st: Styles) -> list[Any]:
    """The first page's overview: period, counts by action and by actor, the denials."""
    story: list[Any] = [Paragraph("Summary", st.heading), _facts(digest, st)]
    if digest.total:
        story += [Paragraph("Events by action", st.subheading), _by_action(digest, st)]
        story += [Paragraph("Events by actor", st.subheading), _by_actor(digest, st)]
        story += [Paragraph("Denied attempts", st.subheading), *_denials(digest, st)]
    return [*story, Spacer(1, 4 * mm)]


def verify_block(header: ReportHeader, st: Styles) -> list[Any]:
    """How a reader checks that the report's events are the recorded ones, unaltered."""
    head = st.mono(header.head_hash)
    paragraphs = [
        f"<b>Chain head when this report was made:</b> entry {header.head_seq}, hash {head}",
        "<b>What it proves.</b> Every audit entry stores the hash of the entry before it, and "
        "its own hash is the SHA-256 of its content together with that previous hash. Editing, "
        "removing or reordering any entry changes every hash after it, up to the head. If the "
        f"live database's chain verifies and its entry {header.head_seq} still carries the hash "
        "above, the events in this report are the events that were recorded, unaltered.",
        "<b>How to check.</b> With access to the organization's database, run "
        f"{st.mono('penguin audit verify')}: it recomputes the whole chain from the first entry "
        "and reports whether it is intact, with its current head. Events recorded after this "
        "report (the export itself is one) move the head on; entry "
        f"{header.head_seq} must then still carry the hash above, which "
        f"{st.mono('penguin audit list --json')} shows (with --limit or the filters to reach "
        "older entries).",
        f"<b>Each row.</b> The Hash column shows the first {HASH_PREFIX} characters of each "
        "row's hash; they must match the start of the hash of the entry with the same number "
        f"(#) in {st.mono('penguin audit list --json')}.",
        *_signed_block(header, st),
    ]
    return [
        Paragraph("How to verify this report", st.heading),
        *(Paragraph(text, st.body) for text in paragraphs),
    ]


def _signed_block(header: ReportHeader, st: Styles) -> list[str]:
    """The signed head and how to check it offline, with nothing but the public key."""
    signed = header.signed
    if signed is None:
        return [
            "<b>Signed head.</b> No signed checkpoint of the chain could be included in this "
            f"report ({header.unsigned_reason})."
        ]
    lines = "<br/>".join(st.mono(line) for line in signed.signed_text.splitlines())
    return [
        f"<b>Signed head:</b> entry {signed.seq}, hash {st.mono(signed.hash)}, signed "
        f"{display_time(signed.ts)} UTC.",
        f"<b>Signature:</b> {st.mono(signed.signature)}",
        f"<b>Public key:</b> {st.mono(signed.public_key)}",
        "<b>Checking it offline.</b> The signature is Ed25519 (key and signature in base64) over "
        f"these four lines, each ending in a line feed:<br/>{lines}<br/>If it verifies with the "
        "organization's public key, kept apart from the database (it must equal the one above; "
        f"{st.mono('penguin audit public-key')} prints it), and entry {signed.seq} (where the "
        "filters include it) shows the start of that hash in the table, the trail held these "
        "entries when it was signed, however the database is changed later. The program's "
        "README shows a short check.",
    ]
