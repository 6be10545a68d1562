"""judge.render.plain draws what rich drew for the listing commands, byte for byte off a terminal: the same
boxes, column widths, wrapping and cuts, for random tables at random widths; styles only on a terminal."""

from __future__ import annotations

import io
import random

import pytest
from rich import box
from rich.console import Console
from rich.table import Table as RichTable

from judge.render.plain import HEAVY_HEAD, SIMPLE_HEAD, Column, Ink, Table, Terminal, render_lines

WORDS = ["a", "Per-user", "features", "from", "raw", "transactions", "supercalifragilisticexpialidocious",
         "NumPy", "(custom:", "/tmp/x/y/zzzzzzzzzzzzzzzzzzz)", "x", "and", "the", "  indented", "100%", "-"]


def _text(rng: random.Random, most: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, most)))


@pytest.mark.parametrize("seed", range(6))
def test_a_table_is_drawn_as_rich_draws_it(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(150):
        narrow = rng.random() < 0.3
        columns = [Column(_text(rng, 2) or "x", rng.choice(["left", "right"]), rng.random() < 0.5)
                   for _ in range(rng.randint(1, 6))]
        ours = Table(columns, box=SIMPLE_HEAD if narrow else HEAVY_HEAD, collapse_padding=narrow)
        theirs = RichTable(header_style="bold", pad_edge=False, box=box.SIMPLE_HEAD if narrow else box.HEAVY_HEAD,
                           collapse_padding=narrow)
        for c in columns:
            theirs.add_column(c.header, justify=c.justify, no_wrap=c.no_wrap)  # type: ignore[arg-type]
        for _ in range(rng.randint(0, 6)):
            if rng.random() < 0.2:
                ours.add_section()
                theirs.add_section()
                continue
            cells = [_text(rng, 8) for _ in range(rng.randint(1, len(columns)))]
            ours.add_row(*cells)
            theirs.add_row(*cells)
        width = rng.randint(12, 130)
        drawn = io.StringIO()
        Console(file=drawn, width=width, highlight=False, soft_wrap=False).print(theirs)
        assert "\n".join(ours.lines(width, Ink())) + "\n" == drawn.getvalue(), (width, columns, ours.rows)


def test_styles_only_on_a_terminal_and_no_colour_with_no_color() -> None:
    cells = [("data wrangling", "bold cyan")]
    assert render_lines(cells, 20, Ink(), pad=False) == ["data wrangling"]
    assert render_lines(cells, 20, Ink(styles=True, colours=True), pad=False) == ["\x1b[1;36mdata wrangling\x1b[0m"]
    assert render_lines(cells, 20, Ink(styles=True), pad=False) == ["\x1b[1mdata wrangling\x1b[0m"]

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert Terminal(io.StringIO(), environ={}).ink == Ink()
    assert Terminal(Tty(), environ={}).ink == Ink(styles=True, colours=True)
    assert Terminal(Tty(), environ={"NO_COLOR": "1"}).ink == Ink(styles=True, colours=False)
    assert Terminal(io.StringIO(), environ={"FORCE_COLOR": "1"}).ink == Ink(styles=True, colours=True)
    assert Terminal(io.StringIO(), environ={"COLUMNS": "57"}).width == 57


def test_a_line_wraps_at_the_width_as_rich_wraps_it() -> None:
    text = "warning: " + " ".join(WORDS * 3)
    for width in (10, 33, 80):
        drawn = io.StringIO()
        Console(file=drawn, width=width, highlight=False, soft_wrap=False).print(text, markup=False)
        ours = io.StringIO()
        Terminal(ours, environ={}, width=width).line(text)
        assert ours.getvalue() == drawn.getvalue()
