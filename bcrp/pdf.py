"""Printed documents (evidence packs, gallery briefings): fpdf2, which installs from PyPI alone,
with the vendored DejaVu fonts so any name in any alphabet prints the same on every machine."""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Sequence
from pathlib import Path
from typing import cast

from django.conf import settings
from django.utils import timezone
from fpdf import FPDF
from fpdf.enums import XPos, YPos

FONT = "DejaVu"
FONT_DIR = Path(settings.BASE_DIR) / "static" / "vendor" / "dejavu"
# Control characters (a NUL from a pasted statement, a form feed) have no glyph: dropped.
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
TEXT_SIZE = 10
SMALL_SIZE = 8
LINE = 5
# fontTools logs every glyph of every font it subsets at INFO: pages of noise in a worker's log.
logging.getLogger("fontTools").setLevel(logging.WARNING)


def printable(text: object) -> str:
    return _UNPRINTABLE.sub("", str(text)).replace("\r\n", "\n")


class PdfDocument(FPDF):
    """An A4 document headed with the partnership and a confidentiality line on every page,
    and numbered "page n of m" at the foot."""

    def __init__(self, *, title: str, partnership: str, confidential: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.document_title = printable(title)
        self.partnership_name = printable(partnership)
        self.confidential = printable(confidential)
        self.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.set_title(self.document_title)
        self.set_author(self.partnership_name)
        self.set_creation_date(timezone.now())
        self.set_auto_page_break(auto=True, margin=18)
        self.set_margins(15, 15, 15)
        self.alias_nb_pages()

    def header(self) -> None:
        self.set_font(FONT, "B", SMALL_SIZE)
        self.cell(0, 4, self.partnership_name, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(FONT, "", SMALL_SIZE)
        self.multi_cell(0, 4, self.confidential, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(3)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, "", SMALL_SIZE)
        self.cell(
            0,
            4,
            f"{self.document_title} · page {self.page_no()} of {{nb}}",
            align="C",
        )

    def title_block(self, title: str, subtitle: str = "") -> None:
        self.set_font(FONT, "B", 16)
        self.multi_cell(0, 8, printable(title), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if subtitle:
            self.set_font(FONT, "", TEXT_SIZE)
            self.multi_cell(0, LINE, printable(subtitle), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(3)

    def heading(self, text: str) -> None:
        if self.get_y() > self.h - 40:
            self.add_page()
        self.ln(2)
        self.set_font(FONT, "B", 12)
        self.multi_cell(0, 7, printable(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(FONT, "", TEXT_SIZE)

    def paragraph(self, text: str) -> None:
        self.set_font(FONT, "", TEXT_SIZE)
        self.multi_cell(0, LINE, printable(text) or "—", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1)

    def fields(self, rows: Sequence[tuple[str, object]]) -> None:
        """Label and value pairs, one a line, labels in bold."""
        with self.table(
            col_widths=(55, 125),
            first_row_as_headings=False,
            line_height=LINE + 1,
            borders_layout="HORIZONTAL_LINES",
        ) as table:
            for label, value in rows:
                row = table.row()
                self.set_font(FONT, "B", TEXT_SIZE)
                row.cell(printable(label))
                self.set_font(FONT, "", TEXT_SIZE)
                row.cell(printable(value) if value not in (None, "") else "—")
        self.ln(2)

    def rows(self, headings: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
        """A table with a heading row (repeated on each page it runs onto)."""
        self.set_font(FONT, "", SMALL_SIZE)
        with self.table(line_height=LINE, repeat_headings=1) as table:
            head = table.row()
            for text in headings:
                head.cell(printable(text))
            for values in rows:
                row = table.row()
                for value in values:
                    row.cell(printable(value) if value not in (None, "") else "—")
        self.set_font(FONT, "", TEXT_SIZE)
        self.ln(2)

    def fields_flowing(self, rows: Sequence[tuple[str, object]]) -> None:
        """Like `fields`, drawn in one pass without a table: a table measures every cell and
        then draws it, which doubles the time of a long document (an evidence pack).
        A label too long for its column gets a line of its own."""
        for label, value in rows:
            if self.get_y() > self.h - 30:
                self.add_page()
            self.set_font(FONT, "B", TEXT_SIZE)
            if self.get_string_width(printable(label)) > 53:
                self.multi_cell(0, LINE + 1, printable(label), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
                self.set_x(self.l_margin + 55)
            else:
                self.cell(55, LINE + 1, printable(label))
            self.set_font(FONT, "", TEXT_SIZE)
            text = printable(value) if value not in (None, "") else "—"
            self.multi_cell(0, LINE + 1, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(2)

    def small_lines(self, lines: Sequence[str], *, size: float = SMALL_SIZE) -> None:
        """Short lines of small print, one after another (a log, a list of hashes)."""
        self.set_font(FONT, "", size)
        for line in lines:
            self.multi_cell(0, 4, printable(line), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(FONT, "", TEXT_SIZE)
        self.ln(2)

    def photo(self, jpeg: bytes, *, width: float = 60, caption: str = "") -> None:
        """A photo, `width` mm wide, with a caption under it, kept on one page."""
        from PIL import Image

        with Image.open(io.BytesIO(jpeg)) as probe:
            height = width * probe.height / probe.width
        if self.get_y() + height + 8 > self.h - 18:
            self.add_page()
        self.image(io.BytesIO(jpeg), w=width)
        if caption:
            self.set_font(FONT, "", SMALL_SIZE)
            self.multi_cell(0, 4, printable(caption), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            self.set_font(FONT, "", TEXT_SIZE)
        self.ln(2)

    def card(
        self,
        *,
        x: float,
        y: float,
        width: float,
        height: float,
        jpeg: bytes | None,
        photo_width: float,
        title: str,
        lines: Sequence[tuple[str, bool]],
    ) -> None:
        """A framed box at (x, y): the photo (fitted to `photo_width` by the box's height) on
        the left, the title and then `lines` (text, bold) beside it; text that does not fit
        ends with an ellipsis rather than spilling onto the next box."""
        pad = 2.0
        self.rect(x, y, width, height)
        inner_height = height - 2 * pad
        if jpeg is not None:
            self.image(
                io.BytesIO(jpeg),
                x=x + pad,
                y=y + pad,
                w=photo_width,
                h=inner_height,
                keep_aspect_ratio=True,
            )
        else:
            self.set_font(FONT, "", SMALL_SIZE)
            self.set_xy(x + pad, y + pad + inner_height / 2 - 2)
            self.cell(photo_width, 4, "No photo", align="C")
        text_x = x + pad + photo_width + pad
        text_width = width - (text_x - x) - pad
        bottom = y + height - pad
        # Drawn at fixed places, so the page must not break in the middle of a box.
        self.set_auto_page_break(auto=False)
        self.set_y(y + pad)
        for text, bold, size, line in [
            (title, True, TEXT_SIZE, LINE),
            *((text, bold, SMALL_SIZE, 4.0) for text, bold in lines),
        ]:
            self.set_font(FONT, "B" if bold else "", size)
            wrapped = cast(
                list[str],
                self.multi_cell(text_width, line, printable(text), dry_run=True, output="LINES"),
            )
            room = int((bottom - self.get_y()) // line)
            if room <= 0:
                break
            if len(wrapped) > room:
                wrapped = [*wrapped[: room - 1], self._ellipsed(wrapped[room - 1], text_width)]
            for part in wrapped:
                self.set_x(text_x)
                self.cell(text_width, line, part, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_auto_page_break(auto=True, margin=18)
        self.set_font(FONT, "", TEXT_SIZE)

    def _ellipsed(self, text: str, width: float) -> str:
        while text and self.get_string_width(text + "…") > width:
            text = text[:-1]
        return text + "…"

    def to_bytes(self) -> bytes:
        return bytes(self.output())
