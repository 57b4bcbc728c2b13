"""theorycheck.theory: closed-form results from ML-theory papers, held as SymPy.

    >>> import theory
    >>> r = theory.get("zhang2024.lsa_limit")
    >>> float(r.evaluate("risk", N=20, lam=[2, 1, 0.5]))  # doctest: +ELLIPSIS
    0.2...

Pure SymPy/NumPy: this package never imports torch.
"""

from __future__ import annotations

from . import (_advani2020, _ahn2023_pgd, _ba2022_one_step, _cao2022_benign, _cao2025_bn_mle, _collins2024_multitask,
               _demir2025_mlp_icl, _he2025_spectral, _li2024_one_nn, _lu2025_finite_d, _lu2025_icl, _papyan2020_nc,
               _preconditioner_risk, _shi2022_emergence, _shi2023_gradient, _shi2024_lowrank, _tao2025_adagrad_pp,
               _tirer2023_nc, _tissue2024_annealing, _xu2024_finetuning, _zhang2024_lsa)
from . import _activations as activations  # noqa: F401 - public: activation functions and Hermite tools
from ._constraints import Constraint as Constraint
from .._errors import InvalidParameterError as InvalidParameterError
from .._errors import UnknownQuantityError as UnknownQuantityError
from .._errors import UnknownResultError as UnknownResultError
from ._reference import Reference as Reference
from ._registry import all_results as all_results
from ._registry import get as get
from ._registry import register as register
from ._registry import search as search
from ._result import Parameter as Parameter
from ._result import Quantity as Quantity
from ._result import Result as Result
from ._result import claim as claim

# Explicit registration, one line per paper module (no directory crawling).
register(_zhang2024_lsa.RESULT)
register(_ahn2023_pgd.RESULT)
register(_shi2024_lowrank.RESULT)
register(_preconditioner_risk.RESULT)
register(_lu2025_icl.RESULT)
register(_lu2025_finite_d.RESULT)
register(_advani2020.RESULT)
register(_collins2024_multitask.RESULT)
register(_ba2022_one_step.RESULT)
register(_demir2025_mlp_icl.RESULT)
register(_shi2022_emergence.RESULT)
register(_shi2023_gradient.RESULT)
register(_xu2024_finetuning.RESULT)
register(_tirer2023_nc.RESULT)
register(_papyan2020_nc.RESULT)
register(_tissue2024_annealing.RESULT)
register(_li2024_one_nn.RESULT)
register(_tao2025_adagrad_pp.RESULT)
register(_cao2025_bn_mle.RESULT)
register(_he2025_spectral.RESULT)
register(_cao2022_benign.RESULT)

__all__ = [
    "Constraint", "InvalidParameterError", "Parameter", "Quantity", "Reference", "Result",
    "UnknownQuantityError", "UnknownResultError", "all_results", "claim", "get", "register", "search",
]
