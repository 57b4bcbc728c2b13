"""The catalogue of checks: every `Check` defined in a topic module of `theorycheck.verify.checks`.

A topic module (e.g. `checks/neural_collapse.py`) holds the experiments and checks of one topic; the
catalogue imports each module of the package (sorted by name, modules starting with "_" skipped) and
collects the checks it defines at module level, in definition order (lists and tuples of checks
included). Adding a check is writing it; nothing else needs an edit. Imported only when checks are
asked for, so `theorycheck list` and `show` never load torch.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from types import ModuleType

from .. import theory
from .._errors import CatalogueError, UsageError
from ._check import Check

__all__ = ["all_checks", "checks_for", "get_check", "topic_modules"]


def topic_modules() -> list[ModuleType]:
    from . import checks as pkg

    names = sorted(m.name for m in pkgutil.iter_modules(pkg.__path__) if not m.name.startswith("_"))
    return [load_module(f"{pkg.__name__}.{n}", "check") for n in names]


def load_module(name: str, what: str) -> ModuleType:
    """Import a module of checks or figures; a failure is one clear error naming the module, not a traceback."""
    try:
        return importlib.import_module(name)
    except Exception as exc:
        raise CatalogueError(f"the {what} module {name} cannot be imported: {type(exc).__name__}: {exc}",
                             parameter=name) from exc


def checks_in(module: ModuleType) -> list[Check]:
    """The checks a module defines at top level, in definition order (inside lists, tuples and dicts too)."""
    out: list[Check] = []
    seen: set[int] = set()

    def add(obj):
        if isinstance(obj, Check):
            if id(obj) not in seen:
                seen.add(id(obj))
                out.append(obj)
        elif isinstance(obj, (list, tuple)):
            for x in obj:
                add(x)
        elif isinstance(obj, dict):
            for x in obj.values():
                add(x)

    for name, obj in vars(module).items():
        if not name.startswith("__"):
            add(obj)
    return out


@functools.cache
def _catalogue() -> tuple[Check, ...]:
    from .. import _plugins

    checks: list[Check] = []
    for mod in topic_modules():
        checks.extend(checks_in(mod))
    ids = [c.id for c in checks]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise CatalogueError(f"duplicate check ids in the catalogue: {dup}")
    checks += _plugins.contributions("checks", ids, lambda mods: [c for m in mods for c in checks_in(m)],
                                     lambda c: c.id)  # the installed plugins' checks, all or nothing per plugin
    return tuple(checks)


def all_checks() -> list[Check]:
    return list(_catalogue())


def get_check(check_id: str) -> Check:
    for c in _catalogue():
        if c.id == check_id:
            return c
    raise UsageError(f"unknown check {check_id!r}; `theorycheck verify --list-checks` lists them", parameter="check")


def checks_for(ids=None, names=None) -> list[Check]:
    """Checks of the given result ids (all when empty), optionally only those with the given ids or names.

    `names` entries are check ids ("result/name") or short names ("name"); each must match a check of
    the selected results, else a UsageError names it.
    """
    for i in ids or ():
        theory.get(i)  # the standard error for an unknown id
    chosen = [c for c in _catalogue() if not ids or c.result in ids]
    if names:
        unmatched = [n for n in names if not any(n in (c.id, c.name) for c in chosen)]
        if unmatched:
            scope = f" of {', '.join(ids)}" if ids else ""
            raise UsageError(f"no check{scope} matches {', '.join(map(repr, unmatched))}; "
                             "`theorycheck verify --list-checks` lists them", parameter="check")
        chosen = [c for c in chosen if c.id in names or c.name in names]
    return chosen
