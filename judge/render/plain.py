"""Lines and tables for the commands that must start fast (`judge list`, `judge status`, `judge history`),
drawn as rich draws them (the same box characters, column widths, wrapping and padding) without importing
rich, which costs those commands about half their start-up. Colour and bold only on a terminal; with
NO_COLOR set, bold stays and colours go (as rich does). Pure but for ``Terminal``, which reads the
environment once.

The layout follows rich's rules for what these tables use (no expansion, no fixed widths): each column is as
wide as its widest line plus padding; when the table is too wide, the widest wrappable columns give way first,
then every column evenly; a word too long for its column's width ends in an ellipsis, as does a cut
unwrapped cell.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TextIO

Span = tuple[str, str]  # text and its style: "" or space-separated names from STYLES ("bold cyan")
Styled = str | Sequence[Span]  # a plain string, or spans of styled text

STYLES = {"bold": "1", "dim": "2", "italic": "3", "underline": "4", "red": "31", "green": "32", "yellow": "33",
          "blue": "34", "magenta": "35", "cyan": "36"}
COLOURS = frozenset({"red", "green", "yellow", "blue", "magenta", "cyan"})
ELLIPSIS = "…"
_WORD = re.compile(r"\s*\S+\s*")


def cell_len(text: str) -> int:
    """How many terminal cells ``text`` takes (wide East Asian characters take two, combining ones none)."""
    if text.isascii():
        return len(text)
    import unicodedata

    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1
               for c in text)


def _crop(text: str, width: int) -> str:
    """The longest start of ``text`` that fits in ``width`` cells."""
    if cell_len(text) <= width:
        return text
    out, used = [], 0
    for char in text:
        size = cell_len(char)
        if used + size > width:
            break
        out.append(char)
        used += size
    return "".join(out)


def _breaks(text: str, width: int, fold: bool) -> list[int]:
    """Where one line of ``text`` breaks to fit ``width`` cells: at word starts, a word on the next line when
    it does not fit; a word longer than a whole line is folded (``fold``) or left to overflow."""
    breaks: list[int] = []
    offset = 0
    for match in _WORD.finditer(text):
        start, word = match.start(), match.group(0)
        length = cell_len(word.rstrip())
        if width - offset >= length:
            offset += cell_len(word)
        elif length > width:
            if fold:
                rest = word
                while cell_len(rest) > width:
                    piece = _crop(rest, width)
                    if start:
                        breaks.append(start)
                    start += len(piece)
                    rest = rest[len(piece):]
                if start:
                    breaks.append(start)
                offset = cell_len(rest)
            else:
                if start:
                    breaks.append(start)
                offset = cell_len(word)
        elif offset and start:
            breaks.append(start)
            offset = cell_len(word)
    return breaks


def _fit(line: str, width: int, ellipsis: bool) -> tuple[int, bool]:
    """How much of one wrapped line is kept within ``width`` cells (trailing blanks beyond it dropped first,
    then the end cut), and whether an ellipsis ends it (only when asked, for a cut line)."""
    size = cell_len(line)
    if size > width:
        blanks = len(line) - len(line.rstrip())
        line = line[:len(line) - min(blanks, size - width)]
    if cell_len(line) <= width:
        return len(line), False
    if ellipsis and width > 0:
        return len(_crop(line, width - 1)), True
    return len(_crop(line, width)), False


def wrap(text: str, width: int, *, no_wrap: bool = False, ellipsis: bool = False) -> list[tuple[int, int]]:
    """Where ``text`` breaks into lines of about ``width`` cells: each line as (start, end) offsets into
    ``text``, its newlines in no line (``_fit`` then cuts what is still too long)."""
    lines: list[tuple[int, int]] = []
    begin = 0
    for raw in text.split("\n"):
        cuts = [] if no_wrap else _breaks(raw, width, fold=not ellipsis)
        for start, end in zip([0, *cuts], [*cuts, len(raw)], strict=True):
            lines.append((begin + start, begin + end))
        begin += len(raw) + 1
    return lines


def _spans(content: Styled) -> list[Span]:
    return [(content, "")] if isinstance(content, str) else [(t, s) for t, s in content if t]


def plain_text(content: Styled) -> str:
    """The text of ``content`` without its styles."""
    return "".join(t for t, _ in _spans(content))


@dataclass(frozen=True)
class Ink:
    """How styles are drawn: as escape codes on a terminal (colours too unless NO_COLOR), else not at all."""

    styles: bool = False
    colours: bool = False

    def paint(self, text: str, style: str) -> str:
        if not (self.styles and text and style):
            return text
        codes = [STYLES[name] for name in style.split() if name in STYLES and (self.colours or name not in COLOURS)]
        return f"\x1b[{';'.join(codes)}m{text}\x1b[0m" if codes else text


def _slice(spans: list[Span], start: int, end: int, ink: Ink) -> str:
    """The styled text of ``spans`` between two offsets of their joined text."""
    out, at = [], 0
    for text, style in spans:
        lo, hi = max(start, at), min(end, at + len(text))
        if lo < hi:
            out.append(ink.paint(text[lo - at:hi - at], style))
        at += len(text)
    return "".join(out)


def _style_at(spans: list[Span], offset: int) -> str:
    at = 0
    for text, style in spans:
        at += len(text)
        if offset < at:
            return style
    return spans[-1][1] if spans else ""


def render_lines(content: Styled, width: int, ink: Ink, *, no_wrap: bool = False, ellipsis: bool = False,
                 justify: str = "left", pad: bool = True) -> list[str]:
    """``content`` wrapped to ``width`` cells and styled; each line padded to ``width`` when ``pad``."""
    spans = _spans(content)
    text = "".join(t for t, _ in spans)
    out = []
    for start, end in wrap(text, width, no_wrap=no_wrap, ellipsis=ellipsis):
        kept, cut = _fit(text[start:end], width, ellipsis)
        if justify == "right" and not cut:  # a right-aligned line loses its trailing blanks first
            kept = len(text[start:start + kept].rstrip())
        drawn = _slice(spans, start, start + kept, ink)
        used = cell_len(text[start:start + kept])
        if cut:  # a wide character that would straddle the cut leaves a blank before the ellipsis
            drawn += " " * (width - 1 - used) + ink.paint(ELLIPSIS, _style_at(spans, start + kept))
            used = width
        gap = " " * max(0, width - used) if pad else ""
        out.append(gap + drawn if justify == "right" else drawn + gap)
    return out


# -- tables ----------------------------------------------------------------------------------------------

# rich's box characters: top, head row, under the head, other rows, between sections, last row, bottom.
# Each line: left, horizontal (or blank), divider, right.
HEAVY_HEAD = ("┏━┳┓", "┃ ┃┃", "┡━╇┩", "│ ││", "├─┼┤", "│ ││", "└─┴┘")
SIMPLE_HEAD = ("    ", "    ", " ── ", "    ", "    ", "    ", "    ")
ASCII = ("+--+", "| ||", "|-+|", "| ||", "|-+|", "| ||", "+--+")  # for a stream that cannot encode the others


@dataclass(frozen=True)
class Column:
    """A column: its header, its alignment (``left`` or ``right``), and whether its cells may wrap."""

    header: str
    justify: str = "left"
    no_wrap: bool = False


@dataclass
class Table:
    """Rows of cells under a header line, in sections, drawn within a width (``lines``)."""

    columns: list[Column]
    box: tuple[str, ...] = HEAVY_HEAD
    collapse_padding: bool = False  # one blank between columns instead of two
    rows: list[list[Styled]] = field(default_factory=list)
    ends: list[bool] = field(default_factory=list)  # a row that ends its section (a line under it)

    def add_row(self, *cells: Styled) -> None:
        """A row; cells left out are blank."""
        self.rows.append([*cells, *[""] * (len(self.columns) - len(cells))])
        self.ends.append(False)

    def add_section(self) -> None:
        """A line under the last row."""
        if self.ends:
            self.ends[-1] = True

    def _padding(self, index: int) -> tuple[int, int]:
        left, right = 1, 1
        if self.collapse_padding and index > 0:
            left = 0
        if index == 0:
            left = 0  # no padding at the table's edges
        if index == len(self.columns) - 1:
            right = 0
        return left, right

    def _measure(self, index: int, limit: int) -> tuple[int, int]:
        """The column's narrowest and widest width (padding included) within ``limit``."""
        left, right = self._padding(index)
        pads = left + right
        if limit - pads < 1:
            return limit, limit
        low = high = 0
        for cell in [self.columns[index].header, *(row[index] for row in self.rows)]:
            text = plain_text(cell)
            widest = max((cell_len(line) for line in text.splitlines()), default=0)
            words = text.split()
            narrowest = max((cell_len(word) for word in words), default=widest)
            widest = min(widest, limit)
            narrowest = min(max(0, min(narrowest, widest)), widest)
            low, high = max(low, min(narrowest + pads, limit)), max(high, min(widest + pads, limit))
        return low, high

    def widths(self, width: int) -> list[int]:
        """Each column's width (padding included) when the table must fit ``width`` cells."""
        available = width - (len(self.columns) - 1) - 2
        widths = [self._measure(i, available)[1] or 1 for i in range(len(self.columns))]
        if sum(widths) > available:
            widths = _give_way(widths, [not c.no_wrap for c in self.columns], available)
            if sum(widths) > available:
                widths = _reduce(sum(widths) - available, [1] * len(widths), widths, widths)
            widths = [self._measure(i, w)[1] or 0 for i, w in enumerate(widths)]
        return widths

    def lines(self, width: int, ink: Ink) -> list[str]:
        """The table as lines of text, drawn within ``width`` cells."""
        widths = self.widths(width)
        top, head, under_head, mid, section, foot, bottom = self.box
        out = [top[0] + top[2].join(top[1] * w for w in widths) + top[3]]
        grid: list[list[Styled]] = [[c.header for c in self.columns], *self.rows]
        for number, cells in enumerate(grid):
            first, last = number == 0, number == len(grid) - 1
            drawn = [self._cell(i, cell, widths[i], ink, bold=first) for i, cell in enumerate(cells)]
            height = max(len(d) for d in drawn)
            # The header sits at the bottom of its row, every other row at the top.
            drawn = [([" " * widths[i]] * (height - len(d)) + d) if first else
                     (d + [" " * widths[i]] * (height - len(d))) for i, d in enumerate(drawn)]
            edge = head if first else foot if last else mid
            for line in range(height):
                out.append(edge[0] + edge[2].join(d[line] for d in drawn) + edge[3])
            if first:
                out.append(under_head[0] + under_head[2].join(under_head[1] * w for w in widths) + under_head[3])
            elif self.ends[number - 1] and not last:
                out.append(section[0] + section[2].join(section[1] * w for w in widths) + section[3])
        out.append(bottom[0] + bottom[2].join(bottom[1] * w for w in widths) + bottom[3])
        # A table of unwrappable columns can stay wider than the terminal: its lines are cut at the edge.
        return out if ink.styles else [_crop(line, width) for line in out]

    def _cell(self, index: int, cell: Styled, width: int, ink: Ink, bold: bool) -> list[str]:
        left, right = self._padding(index)
        column = self.columns[index]
        inner = width - left - right
        if inner < 1:
            return [" " * width]
        content: Styled = [(t, ("bold " + s).strip()) for t, s in _spans(cell)] if bold else cell
        return [" " * left + line + " " * right for line in
                render_lines(content, inner, ink, no_wrap=column.no_wrap, ellipsis=True, justify=column.justify)]


def _give_way(widths: list[int], wrappable: list[bool], available: int) -> list[int]:
    """Narrow the widest wrappable columns, down to the next widest and so on, until the table fits."""
    excess = sum(widths) - available
    while excess > 0 and any(wrappable):
        widest = max(w for w, ok in zip(widths, wrappable, strict=True) if ok)
        second = max((w if ok and w != widest else 0) for w, ok in zip(widths, wrappable, strict=True))
        if not widest - second:
            break
        ratios = [1 if ok and w == widest else 0 for w, ok in zip(widths, wrappable, strict=True)]
        widths = _reduce(excess, ratios, [min(excess, widest - second)] * len(widths), widths)
        excess = sum(widths) - available
    return widths


def _reduce(total: int, ratios: list[int], maximums: list[int], values: list[int]) -> list[int]:
    """``values`` less ``total`` in all, shared by ``ratios``, no value losing more than its maximum."""
    ratios = [r if m else 0 for r, m in zip(ratios, maximums, strict=True)]
    remaining_ratio, remaining = sum(ratios), total
    out = []
    for ratio, maximum, value in zip(ratios, maximums, values, strict=True):
        if ratio and remaining_ratio > 0:
            taken = min(maximum, round(ratio * remaining / remaining_ratio))
            out.append(value - taken)
            remaining -= taken
            remaining_ratio -= ratio
        else:
            out.append(value)
    return out


# -- the terminal -----------------------------------------------------------------------------------------

class Terminal:
    """Where a command prints: its width and whether it takes styles, decided as rich decides them."""

    def __init__(self, stream: TextIO | None = None, environ: dict[str, str] | None = None,
                 width: int | None = None) -> None:
        self.stream = stream if stream is not None else sys.stdout
        env = dict(os.environ) if environ is None else environ
        forced = env.get("FORCE_COLOR", "") != ""
        try:
            tty = self.stream.isatty()
        except (AttributeError, ValueError):
            tty = False
        terminal = forced or tty
        dumb = terminal and env.get("TERM", "").lower() in ("dumb", "unknown")
        self.ink = Ink(styles=terminal and not dumb, colours=terminal and not dumb and env.get("NO_COLOR", "") == "")
        self.width = width or self._width(env, dumb)
        encoding = (getattr(self.stream, "encoding", None) or "utf-8").lower()
        self.box_safe = encoding.startswith("utf")

    @staticmethod
    def _width(env: dict[str, str], dumb: bool) -> int:
        columns = env.get("COLUMNS", "")
        if columns.isdigit() and int(columns):
            return int(columns)
        if dumb:
            return 80
        for fd in (0, 1, 2):
            try:
                return os.get_terminal_size(fd).columns or 80
            except (AttributeError, ValueError, OSError):
                continue
        return 80

    def line(self, content: Styled = "") -> None:
        """One line of text, wrapped at the terminal's width."""
        for line in render_lines(content, self.width, self.ink, pad=False):
            self.stream.write(line + "\n")

    def table(self, table: Table) -> None:
        """A table, drawn within the terminal's width."""
        if not self.box_safe and table.box is HEAVY_HEAD:
            table.box = ASCII
        self.stream.write("\n".join(table.lines(self.width, self.ink)) + "\n")
