"""Parameter constraints, public: `from theorycheck.theory.constraints import Integer, Real, ...`.

One declaration serves validation (with the standard error message), the SymPy assumptions of the symbol, a valid
example and a Hypothesis strategy, and invalid values for the contract tests (see `_constraints`).
"""

from ._constraints import *  # noqa: F403 - the public names, listed in _constraints.__all__
from ._constraints import __all__ as __all__  # noqa: F401
