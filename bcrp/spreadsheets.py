"""CSV downloads people open in a spreadsheet: written a line at a time for streaming, read as
UTF-8 by Excel, and with no cell a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Sequence

# A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Makes Excel read the file as UTF-8 (accents and curly apostrophes in names).
BYTE_ORDER_MARK = "\ufeff"


def cell_safe(text: str) -> str:
    """Text for a cell, never taken for a formula."""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


class _Line:
    """A file-like sink for csv.writer that hands back the line just written."""

    def write(self, text: str) -> str:
        return text


def csv_lines(header: Sequence[object], rows: Iterable[Sequence[object]]) -> Iterator[str]:
    """The header (after the byte-order mark), then each row, one CSV line at a time: the body
    of a StreamingHttpResponse."""
    writer = csv.writer(_Line())
    yield BYTE_ORDER_MARK + writer.writerow(header)
    for row in rows:
        yield writer.writerow(row)
