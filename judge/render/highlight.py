"""Python source as highlighted, escaped HTML lines: a small highlighter on the standard ``tokenize``.

Each token becomes a ``<span class="tk-...">`` (keyword, builtin, string, number, comment, decorator,
the name a ``def``/``class`` defines); everything between tokens is kept byte for byte, so the text a
reader copies is the file. A token that spans lines (a docstring) is split at line ends, so the caller
can number lines. Source that does not tokenize to the end (a syntax error) keeps its highlighted head
and shows the rest plain. Pure; every piece passes ``esc``.
"""

from __future__ import annotations

import builtins
import html
import io
import keyword
import tokenize

from judge.render.facts import clean_text

BUILTINS = frozenset(name for name in dir(builtins) if not name.startswith("_"))

def esc(value: object) -> str:
    """Untrusted text made safe for HTML (the same rule as ``judge.render.html.esc``)."""
    return html.escape(clean_text(value), quote=True)


HIGHLIGHT_CSS = """
.tk-kw { color: #8B2F97; font-weight: 600; }
.tk-str { color: #2D6A1F; }
.tk-num { color: #A3470C; }
.tk-com { color: #6B7480; font-style: italic; }
.tk-def { color: #0B5CAD; font-weight: 600; }
.tk-bi { color: #00677F; }
.tk-deco { color: #8A5A00; }
"""


def _kind(tok: tokenize.TokenInfo, previous: str) -> str | None:
    if tok.type == tokenize.COMMENT:
        return "com"
    if tok.type == tokenize.STRING or tokenize.tok_name.get(tok.type, "").startswith("FSTRING"):
        return "str"
    if tok.type == tokenize.NUMBER:
        return "num"
    if tok.type == tokenize.NAME:
        if previous in ("def", "class"):
            return "def"
        if previous == "@":
            return "deco"
        if keyword.iskeyword(tok.string) or keyword.issoftkeyword(tok.string):
            return "kw"
        if tok.string in BUILTINS:
            return "bi"
    if tok.type == tokenize.OP and tok.string == "@" and previous in ("", "\n"):
        return "deco"
    return None


def highlight_lines(source: str) -> list[str]:
    """The source's lines as safe HTML with highlighted tokens (no line terminators)."""
    lines = source.splitlines(keepends=True) or [""]
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    text = "".join(lines)
    pieces: list[tuple[str, str | None]] = []  # (text, class)
    done = 0
    previous = ""
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type in (tokenize.ENDMARKER, tokenize.DEDENT, tokenize.INDENT):
                continue
            begin = starts[tok.start[0] - 1] + tok.start[1] if tok.start[0] <= len(lines) else len(text)
            end = starts[tok.end[0] - 1] + tok.end[1] if tok.end[0] <= len(lines) else len(text)
            if begin < done:  # f-string parts nest inside their string: already shown
                continue
            kind = _kind(tok, previous)
            if begin > done:
                pieces.append((text[done:begin], None))
            pieces.append((text[begin:end], kind))
            done = end
            if tok.type in (tokenize.NEWLINE, tokenize.NL):
                previous = "\n"
            elif tok.type != tokenize.COMMENT:
                previous = tok.string
    except (tokenize.TokenError, SyntaxError, IndentationError):
        pass
    if done < len(text):
        pieces.append((text[done:], None))
    out: list[str] = [""]
    for chunk, kind in pieces:
        for i, part in enumerate(chunk.split("\n")):
            if i:
                out.append("")
            part = part.rstrip("\r")
            if part:
                out[-1] += f'<span class="tk-{kind}">{esc(part)}</span>' if kind else esc(part)
    if source.endswith("\n") and len(out) > 1 and out[-1] == "":
        out.pop()
    return out
