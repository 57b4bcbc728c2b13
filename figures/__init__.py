"""theorycheck.figures: theory-vs-experiment comparison figures, one module per figure.

Each module here defines one `Figure` (with the `figure` decorator); `all_figures` finds them all (modules
are imported on first use, sorted by name). Figures call experiments, never checks.
"""

from __future__ import annotations

import functools
import pkgutil

from .. import _plugins
from .._errors import CatalogueError, UsageError
from ..verify import load_module
from ._figure import STYLE as STYLE
from ._figure import Figure as Figure
from ._figure import FigureContext as FigureContext
from ._figure import draw as draw
from ._figure import figure as figure


@functools.cache
def _catalogue() -> tuple[Figure, ...]:
    found: list[Figure] = []
    for m in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if m.name in ("_figure",):
            continue
        mod = load_module(f"{__name__}.{m.name}", "figure")
        found.extend(v for v in vars(mod).values() if isinstance(v, Figure))
    names = [f.name for f in found]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise CatalogueError(f"duplicate figure names: {dup}")
    found += _plugins.contributions("figures", names, lambda mods: [v for m in mods for v in vars(m).values()
                                                                    if isinstance(v, Figure)], lambda f: f.name)
    return tuple(found)


def all_figures() -> list[Figure]:
    return list(_catalogue())


def figures_for(target: str) -> list[Figure]:
    """Figures for a figure name, a result id, or 'all'; an unknown target is a usage error."""
    figs = all_figures()
    if target == "all":
        return figs
    named = [f for f in figs if f.name == target]
    if named:
        return named
    from .. import theory

    theory.get(target)  # the standard error for an unknown id
    out = [f for f in figs if target in f.results]
    if not out:
        raise UsageError(f"no figure draws {target!r}; figures: {', '.join(f.name for f in figs)}", parameter="target")
    return out


__all__ = ["STYLE", "Figure", "FigureContext", "all_figures", "draw", "figure", "figures_for"]
