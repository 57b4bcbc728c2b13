"""theorycheck.theory: closed-form results from ML-theory papers, held as SymPy.

    >>> from theorycheck import theory
    >>> r = theory.get("zhang2024.lsa_limit")
    >>> float(r.evaluate("risk", N=20, lam=[2, 1, 0.5]))  # doctest: +ELLIPSIS
    0.568...

Pure SymPy/NumPy: this package never imports torch.
"""

from __future__ import annotations

from .._errors import InvalidParameterError as InvalidParameterError
from .._errors import UnknownQuantityError as UnknownQuantityError
from .._errors import UnknownResultError as UnknownResultError
from . import _activations as activations  # noqa: F401 - public: activation functions and Hermite tools
from . import constraints as constraints  # noqa: F401 - public: Integer, Real, ... for results declared outside
from ._ba2022_one_step import tau_objective as ba2022_tau_objective  # noqa: F401 - tau*'s objective, for its check
from ._constraints import Constraint as Constraint
from ._reference import Reference as Reference
from ._registry import all_results as all_results
from ._registry import get as get
from ._registry import register as register
from ._registry import search as search
from ._result import STATUSES as STATUSES
from ._result import Parameter as Parameter
from ._result import Quantity as Quantity
from ._result import Result as Result
from ._result import claim as claim


def _discover() -> None:
    """Register every result a paper module of this package defines (module-level RESULT, or RESULTS).

    Found, not listed (like benchopt's solvers/ and scikit-learn's all_estimators): adding a paper is adding its
    module. Modules are imported in sorted order, so the registry's order is stable; a duplicate id raises.
    """
    import importlib
    import pkgutil

    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        mod = importlib.import_module(f"{__name__}.{info.name}")
        found = getattr(mod, "RESULTS", None) or ([mod.RESULT] if hasattr(mod, "RESULT") else [])
        for result in found:
            register(result)


_discover()

__all__ = [
    "Constraint", "InvalidParameterError", "Parameter", "Quantity", "Reference", "Result", "STATUSES",
    "UnknownQuantityError", "UnknownResultError", "activations", "all_results", "claim", "constraints", "get",
    "register", "search",
]
