"""The judge's own names inside a candidate's workspace, shared by practice attempts, the server and the CLI's
remote mode (one definition, so a workspace one of them writes is one the others read)."""

from __future__ import annotations

# The pointer file: a practice attempt's id, or (remote mode) the server's URL and the session token.
POINTER = ".judge-attempt"
# Inside an interview workspace, .judge/<slug>: the public problem folder `judge test` runs the examples from.
PUBLIC_PROBLEMS = ".judge"
