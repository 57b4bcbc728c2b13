"""theorycheck: check machine-learning theory against what trained models actually do.

    >>> import theorycheck as tc
    >>> r = tc.get("zhang2024.lsa_limit")
    >>> float(r.evaluate("risk", N=20, lam=[2, 1, 0.5]))  # doctest: +ELLIPSIS
    0.568...
    >>> [c.id for c in tc.checks_for(["zhang2024.lsa_limit"])][:1]   # doctest: +SKIP
    ['zhang2024.lsa_limit/isotropic_risk']

The public API, in one namespace:

* results (pure SymPy): `get`, `search`, `all_results`, `register`, `Result`, `Quantity`, `Parameter`,
  `Reference`, `claim`, the constraints in `theorycheck.theory.constraints`;
* checks: `check` (the one way to write one), `rules` (the comparison rules and their `Comparison`),
  `Sizes`, `scaled`, `experiment`, `run_check`, `all_checks`, `checks_for`, `Perturbation`, `PROFILES`;
* errors: `TheorycheckError`, `InvalidParameterError`, `UsageError`, ...;
* `theorycheck.numerics` (PyTorch: tasks, models, the ensemble training loop) and `theorycheck.figures`
  (matplotlib) load on first use, so importing theorycheck never imports torch or matplotlib.
"""

from __future__ import annotations

import importlib

__version__ = "0.2.0"

from . import theory as theory  # noqa: E402
from . import verify as verify  # noqa: E402
from ._errors import CatalogueError as CatalogueError  # noqa: E402
from ._errors import InvalidParameterError as InvalidParameterError  # noqa: E402
from ._errors import TheorycheckError as TheorycheckError  # noqa: E402
from ._errors import UnknownQuantityError as UnknownQuantityError  # noqa: E402
from ._errors import UnknownResultError as UnknownResultError  # noqa: E402
from ._errors import UsageError as UsageError  # noqa: E402
from ._plugins import Plugin as Plugin  # noqa: E402
from ._plugins import PluginWarning as PluginWarning  # noqa: E402
from .theory import Parameter as Parameter  # noqa: E402
from .theory import Quantity as Quantity  # noqa: E402
from .theory import Reference as Reference  # noqa: E402
from .theory import Result as Result  # noqa: E402
from .theory import all_results as all_results  # noqa: E402
from .theory import claim as claim  # noqa: E402
from .theory import get as get  # noqa: E402
from .theory import register as register  # noqa: E402
from .theory import search as search  # noqa: E402
from .verify import PROFILES as PROFILES  # noqa: E402
from .verify import Check as Check  # noqa: E402
from .verify import Comparison as Comparison  # noqa: E402
from .verify import Context as Context  # noqa: E402
from .verify import Perturbation as Perturbation  # noqa: E402
from .verify import Sizes as Sizes  # noqa: E402
from .verify import Verdict as Verdict  # noqa: E402
from .verify import all_checks as all_checks  # noqa: E402
from .verify import check as check  # noqa: E402
from .verify import checks_for as checks_for  # noqa: E402
from .verify import experiment as experiment  # noqa: E402
from .verify import rules as rules  # noqa: E402
from .verify import run_check as run_check  # noqa: E402
from .verify import scaled as scaled  # noqa: E402

_LAZY = ("numerics", "figures")


def __getattr__(name: str):
    if name in _LAZY:  # torch and matplotlib load on first use only
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "CatalogueError", "Check", "Comparison", "Context", "InvalidParameterError", "PROFILES", "Parameter", "Perturbation", "Plugin",
    "PluginWarning", "Quantity",
    "Reference", "Result", "Sizes", "TheorycheckError", "UnknownQuantityError", "UnknownResultError", "UsageError",
    "Verdict", "all_checks", "all_results", "check", "checks_for", "claim", "experiment", "get", "register", "rules",
    "run_check", "scaled", "search",
]
