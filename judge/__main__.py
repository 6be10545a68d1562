"""Allow `python -m judge`."""

from judge.interfaces.cli import main

main()
