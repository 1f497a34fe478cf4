"""Plain-text tables and optional color, the way kubectl prints them.

Columns are padded to their widest cell and separated by three spaces; the last column is
never padded. Color is applied to whole rendered lines, after padding, so escape codes
never count towards a column's width.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TextIO

GAP = "   "
RED = "\x1b[31m"
YELLOW = "\x1b[33m"
BOLD = "\x1b[1m"
RESET = "\x1b[0m"


def render(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """The header line and one line per row, columns aligned."""
    table = [list(headers), *([one_line(cell) for cell in row] for row in rows)]
    widths = [max(len(row[i]) for row in table) for i in range(len(headers))]
    lines = []
    for row in table:
        cells = [cell.ljust(width) for cell, width in zip(row[:-1], widths, strict=False)]
        lines.append(GAP.join([*cells, row[-1]]).rstrip())
    return lines


def one_line(text: str) -> str:
    """A cell never spans lines: newlines and tabs become spaces."""
    return " ".join(text.split()) if any(c in text for c in "\n\r\t") else text


def use_color(choice: str, stream: TextIO) -> bool:
    """``always``, ``never``, or ``auto``: a terminal, unless NO_COLOR is set (no-color.org)."""
    if choice == "always":
        return True
    if choice == "never" or os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def paint(line: str, code: str, *, color: bool) -> str:
    return f"{code}{line}{RESET}" if color else line
