"""Test doubles for logistic-regression-gd: trusted code imported into the candidate's process before solution.py.

- floating_point_warnings(name, *args): calls solution.<name>(*args) and returns the messages of the
  floating-point RuntimeWarnings NumPy raised during the call ("overflow encountered in exp", ...), so a test
  can check that a computation does not overflow even when its result is still finite.

It holds no expected answer: it only calls the function and records warnings.
"""

from __future__ import annotations

import warnings
from typing import Any


def floating_point_warnings(name: str, *args: Any) -> list[str]:
    """The RuntimeWarning messages raised while solution.<name>(*args) ran (the result is discarded).

    Overflow, invalid operations and division by zero warn; underflow (exp(-1000) becoming 0.0, which a stable
    sigmoid does on purpose) does not."""
    import numpy as np
    import solution

    fn = getattr(solution, name)
    with warnings.catch_warnings(record=True) as caught, np.errstate(over="warn", invalid="warn", divide="warn", under="ignore"):
        warnings.simplefilter("always")
        fn(*args)
    return [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]
