"""The one error family of theorycheck, and its one message shape.

    TheorycheckError
    ├── InvalidParameterError (also a ValueError)   a value a result, a config or a model cannot accept
    │   ├── UnknownResultError                      theorycheck.get was given an id nobody registered
    │   └── UnknownQuantityError                    a result was asked for a quantity it does not define
    ├── UsageError                                  a command line or API call that cannot be carried out
    └── CatalogueError                              a check or figure module that cannot be loaded

Every message names the parameter, the constraint it violates, the value received and, where one
exists, the paper's assumption the constraint comes from:

    The 'r' parameter of shi2024.lowrank_lsa must be an integer in [1, d] (assumption of Section 3:
    rank(W^KQ) <= r <= d). Got 7 with d=5: it is too large.

`invalid()` builds that message for code outside `theory` (numerics' configs and models, the CLI).
"""

from __future__ import annotations

__all__ = ["TheorycheckError", "InvalidParameterError", "UnknownResultError", "UnknownQuantityError", "UsageError",
           "CatalogueError", "invalid"]


class TheorycheckError(Exception):
    """Root of every error theorycheck raises on purpose (bugs surface as ordinary Python exceptions)."""

    def __init__(self, message: str, *, parameter: str | None = None, result: str | None = None):
        super().__init__(message)
        self.parameter = parameter  # the parameter (or option) the message is about
        self.result = result  # the result id or the owner (a config, a model, a command)


class InvalidParameterError(TheorycheckError, ValueError):
    """A parameter value that a result, a training config or a model cannot accept."""


class UnknownResultError(InvalidParameterError):
    """`theorycheck.get` was given an id that is not in the registry."""


class UnknownQuantityError(InvalidParameterError):
    """A result was asked for a quantity it does not define."""


class UsageError(TheorycheckError, ValueError):
    """A request that cannot be carried out as stated: an unknown check, an empty selection, a bad option, a check
    declared against the API (an unknown rule, a coarse target without its reason)."""


class CatalogueError(TheorycheckError):
    """A module of checks or figures failed to import or declares something inconsistent (it is named)."""


def _shown(value) -> str:
    text = value if isinstance(value, str) and value else repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def invalid(owner: str, name: str, constraint: str, got, *, reason: str | None = None,
            assumption: str | None = None) -> InvalidParameterError:
    """The standard error for `name` of `owner` (e.g. "TrainConfig", "LinearSelfAttention")."""
    why = f" ({assumption})" if assumption else ""
    tail = f": {reason}" if reason else ""
    return InvalidParameterError(f"The {name!r} parameter of {owner} must be {constraint}{why}. Got {_shown(got)}{tail}.",
                                 parameter=name, result=owner)
