"""The registry of results: explicit registration, lookup, search."""

from __future__ import annotations

from .._errors import UnknownResultError
from ._result import Result

_REGISTRY: dict[str, Result] = {}


def register(result: Result) -> Result:
    if result.id in _REGISTRY:
        raise ValueError(f"duplicate result id {result.id!r}")
    _REGISTRY[result.id] = result
    return result


def get(id: str) -> Result:
    try:
        return _REGISTRY[id]
    except KeyError:
        known = ", ".join(sorted(_REGISTRY))
        raise UnknownResultError(f"Unknown result id {id!r}; known ids: {known}.", parameter="id") from None


def all_results() -> list[Result]:
    return list(_REGISTRY.values())


def search(text: str) -> list[Result]:
    """Results whose id, title, reference or keywords contain every word of `text` (case-insensitive)."""
    words = text.lower().split()
    out = []
    for r in _REGISTRY.values():
        hay = " ".join([r.id, r.title, r.reference.title, " ".join(r.reference.authors), r.notes,
                        " ".join(r.keywords)]).lower()
        if all(w in hay for w in words):
            out.append(r)
    return out
