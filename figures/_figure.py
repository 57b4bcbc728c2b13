"""Figures as data: a name, the results it compares, and a draw function of a context.

    from theorycheck.figures import figure

    @figure(name="icl_risk_vs_rank", results=("shi2024.lowrank_lsa",))
    def risk_vs_rank(ctx):
        '''ICL risk against the attention rank for several test-noise levels.'''
        fig, ax = ctx.new()
        est = rank_risks(..., seed=ctx.seed, device=ctx.device)   # an experiment, never a check
        ...
        return fig, {"levels": ..., "risk": ...}                  # the data plotted, written as NAME.json

`draw` styles and saves: the figure is built without pyplot (no backend is switched, nothing global is
touched) inside `matplotlib.rc_context(STYLE)`, and written as NAME.pdf / NAME.png (and NAME.json when the draw
function returns the data it plots). Experiments run inside the run's cache, so a figure drawn after `verify`
reuses its trained models.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from ..verify import Profile, devices_used, run_cache, sizes_for

__all__ = ["Figure", "FigureContext", "STYLE", "draw", "figure"]

STYLE = {
    "figure.figsize": (5.0, 3.6),
    "font.size": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "legend.frameon": False,
    "savefig.dpi": 150,
    "savefig.bbox": "tight",
    "pdf.fonttype": 42,  # TrueType in PDFs (venues reject Type 3)
    "ps.fonttype": 42,
}


@dataclass(frozen=True)
class Figure:
    name: str  # file stem, and what `theorycheck figure NAME` takes
    results: tuple[str, ...]  # the result ids it compares (`theorycheck figure ID` draws these)
    draw: Callable[["FigureContext"], Any]  # ctx -> matplotlib Figure, or (Figure, data dict)
    description: str


@dataclass
class FigureContext:
    """What a figure's draw function sees: the profile's sizes, the seed and the device of the run."""

    profile: Profile
    seed: int
    device: str = "cpu"

    def sizes(self, cls, **fixed):
        return sizes_for(cls, self.profile, **fixed)

    def new(self, nrows: int = 1, ncols: int = 1, *, figsize=None, **subplots):
        """A styled matplotlib Figure and its axes, made without pyplot (no global state)."""
        from matplotlib.figure import Figure as MplFigure

        fig = MplFigure(figsize=figsize)
        return fig, fig.subplots(nrows, ncols, **subplots)


def figure(*, name: str, results) -> Callable[[Callable], Figure]:
    """Declare a figure; decorate its draw function `fn(ctx) -> Figure | (Figure, data)`."""
    import inspect

    from .. import theory

    for rid in results:
        theory.get(rid)

    def wrap(fn: Callable) -> Figure:
        return Figure(name, tuple(results), fn, " ".join((inspect.getdoc(fn) or "").split()))

    return wrap


def draw(spec: Figure, out, formats=("pdf", "png"), *, profile: Profile, seed: int = 0, device: str = "cpu",
         cache: dict | None = None) -> list[Path]:
    """Draw one figure and write it to `out` in each format (plus NAME.json with its data, when it returns some)."""
    import matplotlib

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    ctx = FigureContext(profile, seed, device)
    paths = []
    with matplotlib.rc_context(STYLE), run_cache(cache), devices_used():
        made = spec.draw(ctx)
        fig, data = made if isinstance(made, tuple) else (made, None)
        for fmt in formats:
            p = out / f"{spec.name}.{fmt}"
            fig.savefig(p)
            paths.append(p)
    if data is not None:
        p = out / f"{spec.name}.json"
        p.write_text(json.dumps(data, indent=1, default=_plain))
        paths.append(p)
    return paths


def _plain(x):
    if hasattr(x, "tolist"):
        return x.tolist()
    raise TypeError(f"figure data must be plain numbers, lists and dicts; got {type(x).__name__}")
