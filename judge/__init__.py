"""ml-judge: a sandboxed, auto-graded judge for timed ML-engineer interview problems."""

__version__ = "0.1.0"
