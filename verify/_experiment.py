"""Experiments: plain functions of a small frozen sizes dataclass, memoised per run, device recorded.

An experiment is what a check measures and a figure draws: a function of explicit arguments (the paper's
parameters, a `Sizes` dataclass, `seed=`, `device=`) that returns plain data. Decorating it with
`@experiment`

* memoises it for the duration of a run (`run_cache`): a figure drawn after `verify`, and every check that
  asks for the same trained ensemble, reuse it instead of re-training;
* records the device it actually ran on, so a verdict reports where its numbers came from
  (`devices_used`); an experiment that must run on the CPU says so (`cpu_only="why"`) and is recorded as
  such, whatever `--device` asked for.

Sizes are frozen dataclasses with a comment on every default (nanoGPT's config style). A field built with
`scaled(n, min=...)` is scaled by the profile (ci 0.5x, quick 1x, thorough 4x), the one way sizes follow
the profile; a dataclass may also name whole presets per profile in `by_profile`:

    @dataclass(frozen=True)
    class LSASizes(Sizes):
        members: int = 4                  # independently seeded models in one ensemble
        prompts: int = scaled(200_000, min=100_000)  # Monte Carlo prompts: SE ~ 0.2 % of the risk

    sizes = ctx.sizes(LSASizes)          # inside a check: the profile's sizes

`by_profile` is a class attribute written without a type annotation (an annotated name would become a field).
An experiment's result is shared by every caller with the same arguments in a run: treat it as read-only.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import functools
import inspect
from typing import Any, Callable, ClassVar, Mapping, TypeVar

import numpy as np

__all__ = ["Sizes", "scaled", "sizes_for", "experiment", "run_cache", "devices_used", "transformed_results"]

S = TypeVar("S", bound="Sizes")

_CACHE: contextvars.ContextVar[dict | None] = contextvars.ContextVar("theorycheck_run_cache", default=None)
_DEVICES: contextvars.ContextVar[set | None] = contextvars.ContextVar("theorycheck_devices", default=None)
_TRANSFORM: contextvars.ContextVar[Callable | None] = contextvars.ContextVar("theorycheck_transform", default=None)


def scaled(default: int, *, min: int = 1):  # noqa: A002 - reads like the dataclass field it builds
    """A size that follows the profile: max(min, round(default * profile.scale))."""
    return dataclasses.field(default=default, metadata={"scaled": True, "min": min})


@dataclasses.dataclass(frozen=True)
class Sizes:
    """Base of the sizes dataclasses. Subclasses add fields with a comment on every default."""

    # Per-profile presets applied before scaling, e.g. {"thorough": {"ds": (16, 24, 32, 48, 64)}}.
    by_profile: ClassVar[Mapping[str, Mapping[str, Any]]] = {}


def sizes_for(cls: type[S], profile, **fixed) -> S:
    """The sizes of `cls` for `profile` (a Profile or its name's scale): presets, then scaling, then `fixed`."""
    scale, name = float(profile.scale), profile.name
    preset = dict(cls.by_profile.get(name, {}))
    values = {}
    for f in dataclasses.fields(cls):
        if f.name in fixed:
            continue
        base = preset.get(f.name, f.default)
        if f.metadata.get("scaled") and f.name not in preset:
            base = max(int(f.metadata["min"]), int(round(base * scale)))
        values[f.name] = base
    return cls(**values, **fixed)


@contextlib.contextmanager
def run_cache(cache: dict | None = None):
    """Memoise experiments inside the block (one dict per run; pass the same dict to share it)."""
    token = _CACHE.set({} if cache is None else cache)
    try:
        yield _CACHE.get()
    finally:
        _CACHE.reset(token)


@contextlib.contextmanager
def devices_used():
    """Collect the devices the experiments called inside the block actually ran on."""
    seen: set = set()
    token = _DEVICES.set(seen)
    try:
        yield seen
    finally:
        _DEVICES.reset(token)


@contextlib.contextmanager
def transformed_results(transform: Callable):
    """Pass every experiment's result through `transform` inside the block (the cached result stays untouched): how
    tests inject a divergence into every experiment (theorycheck.testing.diverged)."""
    token = _TRANSFORM.set(transform)
    try:
        yield
    finally:
        _TRANSFORM.reset(token)


def _canon(x):
    """A hashable, value-based key for an argument (lists, arrays, dataclasses, floats)."""
    if isinstance(x, (str, bytes, bool, int, type(None))):
        return x
    if isinstance(x, float):
        return ("f", x.hex()) if x == x else ("f", "nan")
    if isinstance(x, np.generic):
        return _canon(x.item())
    if isinstance(x, np.ndarray):  # the same key as the nested list of its values
        return _canon(x.tolist())
    if isinstance(x, (list, tuple)):
        return tuple(_canon(v) for v in x)
    if isinstance(x, dict):
        return ("dict", tuple(sorted((str(k), _canon(v)) for k, v in x.items())))
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        return (type(x).__qualname__, tuple((f.name, _canon(getattr(x, f.name))) for f in dataclasses.fields(x)))
    if hasattr(x, "tolist"):  # e.g. a torch tensor
        return ("t", _canon(x.tolist()))
    raise TypeError(f"experiment arguments must be plain data; got {type(x).__name__}")


def _resolved(device) -> str:
    from ..numerics import resolve_device

    return str(resolve_device(device))


def experiment(fn: Callable | None = None, *, cpu_only: str | None = None):
    """Decorate an experiment: memoised per run, its device recorded.

    The function takes a keyword `device` (the run's `--device`), unless `cpu_only` gives the reason it must
    run on the CPU (a NumPy/SciPy computation, float64 work a GPU gains nothing on): then it is called with
    `device="cpu"` if it takes one, and recorded as having run there.
    """
    if fn is None:
        return functools.partial(experiment, cpu_only=cpu_only)
    sig = inspect.signature(fn)
    takes_device = "device" in sig.parameters
    if not takes_device and cpu_only is None:
        raise TypeError(f"experiment {fn.__qualname__} takes no `device`: honour the run's device or say why it "
                        "must run on the CPU with @experiment(cpu_only='...')")

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if cpu_only is not None:
            if takes_device:
                kwargs["device"] = "cpu"
            device = "cpu"
        else:
            default = sig.parameters["device"].default
            device = _resolved(kwargs.get("device", "auto" if default is inspect.Parameter.empty else default))
            kwargs["device"] = device
        seen = _DEVICES.get()
        if seen is not None:
            seen.add(device)
        cache, transform = _CACHE.get(), _TRANSFORM.get()
        if cache is None:
            out = fn(*args, **kwargs)
        else:
            bound = sig.bind(*args, **kwargs)
            bound.apply_defaults()
            key = (fn.__module__, fn.__qualname__, _canon(dict(bound.arguments)))
            if key not in cache:
                cache[key] = fn(*args, **kwargs)
            out = cache[key]
        return out if transform is None else transform(out)

    wrapper.cpu_only = cpu_only
    wrapper.__wrapped__ = fn
    return wrapper
