"""The registry of results: explicit registration, lookup, search."""

from __future__ import annotations

from .._errors import InvalidParameterError, UnknownResultError
from ._result import Result

_REGISTRY: dict[str, Result] = {}


def register(result: Result) -> Result:
    """Add a result to the registry; its id must be new (ids name results in checks, reports and caches)."""
    if result.id in _REGISTRY:
        raise InvalidParameterError(
            f"Cannot register {result.id!r}: duplicate result id, already registered for {_REGISTRY[result.id].title!r}. "
            "Result ids are unique; give the new result its own id (author year.name).",
            parameter="id", result=result.id)
    _REGISTRY[result.id] = result
    return result


def _with_plugins() -> None:
    """Register the installed plugins' results (once; theorycheck/_plugins.py)."""
    from .. import _plugins

    _plugins.load_results(register, _REGISTRY)


def get(id: str) -> Result:
    if id not in _REGISTRY:
        _with_plugins()
    try:
        return _REGISTRY[id]
    except KeyError:
        known = ", ".join(sorted(_REGISTRY))
        raise UnknownResultError(f"Unknown result id {id!r}; known ids: {known}.", parameter="id") from None


def all_results() -> list[Result]:
    """Every registered result: the catalogue's, then the installed plugins'."""
    _with_plugins()
    return list(_REGISTRY.values())


def search(text: str) -> list[Result]:
    """Results whose id, title, reference or keywords contain every word of `text` (case-insensitive)."""
    words = text.lower().split()
    _with_plugins()
    out = []
    for r in _REGISTRY.values():
        hay = " ".join([r.id, r.title, r.reference.title, " ".join(r.reference.authors), r.notes,
                        " ".join(r.keywords)]).lower()
        if all(w in hay for w in words):
            out.append(r)
    return out
