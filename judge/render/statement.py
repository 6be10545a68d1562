"""A problem statement (the Markdown subset our statements use) as safe HTML for the candidate page.

Headings, paragraphs, bullet and numbered lists, fenced code (Python highlighted), pipe tables, and
inline code, bold, italics and links (shown as text with the address, never as a live link: the page
loads and opens nothing). Everything is escaped first; only the markup made here is HTML. Pure.
"""

from __future__ import annotations

import re

from judge.render.highlight import highlight_lines
from judge.render.html import esc

_INLINE = re.compile(r"`([^`]+)`|\*\*(.+?)\*\*|(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])|\[([^\]]+)\]\(([^)\s]+)\)")
_TABLE_RULE = re.compile(r"^\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?$")
_LIST_ITEM = re.compile(r"^(\s*)([-*]|\d+[.)])\s+(.*)$")


def inline(text: str) -> str:
    """One line's inline Markdown as safe HTML."""
    out, pos = [], 0
    for match in _INLINE.finditer(text):
        out.append(esc(text[pos:match.start()]))
        code, bold, em, label, url = match.groups()
        if code is not None:
            out.append(f"<code>{esc(code)}</code>")
        elif bold is not None:
            out.append(f"<strong>{inline(bold)}</strong>")
        elif em is not None:
            out.append(f"<em>{inline(em)}</em>")
        else:
            out.append(f'{inline(label)} <span class="muted">({esc(url)})</span>')
        pos = match.end()
    out.append(esc(text[pos:]))
    return "".join(out)


def _cells(row: str) -> list[str]:
    return [cell.strip() for cell in row.strip().strip("|").split("|")]


def _table(rows: list[str]) -> str:
    head, body = _cells(rows[0]), [_cells(r) for r in rows[2:]]
    rights = [cell.endswith(":") and not cell.startswith(":") for cell in _cells(rows[1])]

    def cell(tag: str, text: str, i: int) -> str:
        cls = ' class="num"' if i < len(rights) and rights[i] else ""
        return f"<{tag}{cls}>{inline(text)}</{tag}>"

    heads = "".join(cell("th", text, i) for i, text in enumerate(head))
    lines = "".join("<tr>" + "".join(cell("td", text, i) for i, text in enumerate(r)) + "</tr>" for r in body)
    return f'<div class="scroll"><table><thead><tr>{heads}</tr></thead><tbody>{lines}</tbody></table></div>'


def statement_html(markdown: str) -> str:
    """The statement as safe HTML (block elements only; the caller places them in a card)."""
    lines = markdown.replace("\r\n", "\n").split("\n")
    out: list[str] = []
    paragraph: list[str] = []
    i = 0

    def flush() -> None:
        if paragraph:
            out.append(f"<p>{inline(' '.join(line.strip() for line in paragraph))}</p>")
            paragraph.clear()

    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if stripped.startswith("```"):
            flush()
            language = stripped[3:].strip().lower()
            block = []
            i += 1
            while i < len(lines) and not lines[i].strip().startswith("```"):
                block.append(lines[i])
                i += 1
            code = "\n".join(block)
            body = "\n".join(highlight_lines(code)) if language in ("python", "py") else esc(code)
            out.append(f'<pre class="code statement-code"><code>{body}</code></pre>')
        elif not stripped:
            flush()
        elif heading := re.match(r"^(#{1,6})\s+(.*)$", stripped):
            flush()
            level = min(6, len(heading.group(1)) + 1)  # the page's own h1 is the title
            out.append(f"<h{level}>{inline(heading.group(2))}</h{level}>")
        elif stripped.startswith("|") and i + 1 < len(lines) and _TABLE_RULE.match(lines[i + 1].strip()):
            flush()
            rows = []
            while i < len(lines) and lines[i].strip().startswith("|"):
                rows.append(lines[i])
                i += 1
            out.append(_table(rows))
            continue
        elif item := _LIST_ITEM.match(line):
            flush()
            ordered = item.group(2)[0].isdigit()
            items: list[str] = []
            while i < len(lines) and lines[i].strip():
                found = _LIST_ITEM.match(lines[i])
                if found and len(found.group(1)) <= len(item.group(1)):
                    items.append(found.group(3))
                elif items:
                    items[-1] += " " + lines[i].strip()
                i += 1
            tag = "ol" if ordered else "ul"
            out.append(f"<{tag}>" + "".join(f"<li>{inline(text)}</li>" for text in items) + f"</{tag}>")
            continue
        else:
            paragraph.append(line)
        i += 1
    flush()
    return "\n".join(out)
