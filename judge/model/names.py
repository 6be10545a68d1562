"""Names that came from outside the judge (submission folders, zip members, candidates' names), made safe
to show: pure functions, no I/O.

A terminal runs control characters it is sent (``ESC ] 52`` writes the clipboard, ``CSI`` moves the
cursor and erases lines), so every C0 control, DEL and C1 control in such a name is shown as its
Python escape (``\\x1b``) in the terminal, in CSV and in HTML. JSON carries the name exactly.
"""

from __future__ import annotations

import re

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_NAMED = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}


def printable(name: str) -> str:
    """``name`` with every control character (C0, DEL, C1) written as its escape; the rest unchanged."""
    return _CONTROL.sub(lambda m: _NAMED.get(m.group(0), f"\\x{ord(m.group(0)):02x}"), name)


def has_control(name: str) -> bool:
    """Whether ``name`` holds any control character (C0, DEL, C1)."""
    return _CONTROL.search(name) is not None
