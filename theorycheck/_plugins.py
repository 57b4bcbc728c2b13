"""Plugins: results, checks and figures from other installed packages, through the entry-point group
`theorycheck.plugins` (the way pytest and benchopt load theirs).

A plugin package declares, in its pyproject.toml,

    [project.entry-points."theorycheck.plugins"]
    mytheorem = "mytheorem.plugin:PLUGIN"

and `mytheorem/plugin.py` names the modules that hold its results (SymPy only: `list` and `show` import them),
its checks and its figures:

    from theorycheck import Plugin
    PLUGIN = Plugin(results="mytheorem.results", checks="mytheorem.checks", figures="mytheorem.figures")

Results are registered the first time the registry is read; checks and figures when the catalogue is. Somebody
else's broken package never breaks theorycheck: a plugin that fails to import, registers an id that exists, or
declares a check for an unknown quantity is recorded with one clear error naming it (`theorycheck plugins` shows
it, the CLI prints it, Python code gets a `PluginWarning`), and everything else keeps working. Each part of a
plugin (its results, its checks, its figures) is loaded all or nothing, and a plugin whose results failed
contributes no checks or figures either.
"""

from __future__ import annotations

import importlib
import warnings
from dataclasses import dataclass, field
from importlib import metadata

__all__ = ["GROUP", "Plugin", "PluginWarning", "LoadedPlugin", "loaded_plugins", "plugin_of"]

GROUP = "theorycheck.plugins"


class PluginWarning(UserWarning):
    """An installed plugin could not be loaded (the message names it and says why)."""


def _modules(value) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


@dataclass(frozen=True)
class Plugin:
    """What a plugin provides: module paths (a string or a tuple of strings) of its results, checks and figures."""

    results: str | tuple = ()
    checks: str | tuple = ()
    figures: str | tuple = ()


@dataclass
class LoadedPlugin:
    name: str  # the entry point's name
    package: str  # the distribution that declares it
    version: str
    target: str  # the entry point's value, e.g. "mytheorem.plugin:PLUGIN"
    plugin: Plugin | None = None
    results: list[str] = field(default_factory=list)  # result ids it registered
    checks: list[str] = field(default_factory=list)  # check ids it contributed
    figures: list[str] = field(default_factory=list)  # figure names it contributed
    errors: list[str] = field(default_factory=list)  # why it (or part of it) could not be loaded

    @property
    def label(self) -> str:
        return f"plugin {self.name!r} ({self.package} {self.version})"

    def to_dict(self) -> dict:
        return {"name": self.name, "package": self.package, "version": self.version, "target": self.target,
                "results": list(self.results), "checks": list(self.checks), "figures": list(self.figures),
                "errors": list(self.errors), "ok": not self.errors}


_LOADED: dict[str, LoadedPlugin] | None = None
_STAGE: set[str] = set()


def _entry_points():
    return sorted(metadata.entry_points(group=GROUP), key=lambda ep: ep.name)


def _fail(lp: LoadedPlugin, what: str, exc: BaseException) -> None:
    message = f"{lp.label}: {what}: {type(exc).__name__}: {exc}"
    lp.errors.append(message)
    warnings.warn(message, PluginWarning, stacklevel=3)


def _discover() -> dict[str, LoadedPlugin]:
    global _LOADED
    if _LOADED is None:
        _LOADED = {}
        for ep in _entry_points():
            dist = getattr(ep, "dist", None)
            lp = LoadedPlugin(ep.name, dist.name if dist else "?", dist.version if dist else "?", ep.value)
            _LOADED[ep.name] = lp
            try:
                obj = ep.load()
                if not isinstance(obj, Plugin):
                    raise TypeError(f"{ep.value} is a {type(obj).__name__}, not a theorycheck.Plugin")
                lp.plugin = obj
            except Exception as exc:
                _fail(lp, f"cannot load {ep.value}", exc)
    return _LOADED


def load_results(register, registered: dict) -> None:
    """Register every plugin's results (once), all or nothing per plugin."""
    if "results" in _STAGE:
        return
    _STAGE.add("results")
    for lp in _discover().values():
        if lp.errors or lp.plugin is None:
            continue
        try:
            found = []
            for name in _modules(lp.plugin.results):
                mod = importlib.import_module(name)
                found.extend(getattr(mod, "RESULTS", None) or ([mod.RESULT] if hasattr(mod, "RESULT") else []))
            ids = [r.id for r in found]
            clash = sorted({i for i in ids if i in registered or ids.count(i) > 1})
            if clash:
                owners = [f"{i} (already {_owner(i, registered)})" for i in clash]
                raise ValueError(f"duplicate result id(s): {', '.join(owners)}")
            for r in found:
                register(r)
            lp.results = ids
        except Exception as exc:
            _fail(lp, "its results cannot be registered", exc)


def _owner(rid: str, registered: dict) -> str:
    lp = plugin_of(rid, kind="results")
    return f"registered by {lp.label}" if lp else "a built-in result"


def load_modules(kind: str) -> list[tuple[LoadedPlugin, list]]:
    """Import every healthy plugin's check or figure modules: [(plugin, [module, ...])]; failures are recorded."""
    out = []
    for lp in _discover().values():
        if lp.errors or lp.plugin is None:
            continue
        try:
            out.append((lp, [importlib.import_module(n) for n in _modules(getattr(lp.plugin, kind))]))
        except Exception as exc:
            _fail(lp, f"its {kind} cannot be imported", exc)
    return out


def contributions(kind: str, taken: list[str], collect, key) -> list:
    """What every healthy plugin adds to the `kind` ("checks" or "figures") catalogue, all or nothing per plugin:
    `collect(modules)` lists a plugin's items, `key(item)` names one; a name already in `taken` (or twice in the
    plugin) keeps the plugin out with its error. `taken` grows with what joined."""
    from ._errors import CatalogueError

    joined = []
    for lp, mods in load_modules(kind):
        mine = collect(mods)
        names = [key(x) for x in mine]
        clash = sorted({n for n in names if n in taken or names.count(n) > 1})
        if clash:
            _fail(lp, f"its {kind} cannot join the catalogue", CatalogueError(f"duplicate name(s): {', '.join(clash)}"))
            continue
        joined.extend(mine)
        taken.extend(names)
        setattr(lp, kind, names)
    return joined


def loaded_plugins() -> list[LoadedPlugin]:
    """Every installed plugin, with what it contributed and any error (loads results, checks and figures)."""
    from . import theory  # noqa: F401 - registers the plugins' results
    from .verify import all_checks

    theory.all_results()
    try:
        all_checks()
    except Exception:  # noqa: BLE001 - a broken built-in module is reported by `verify`, not here
        pass
    try:
        from .figures import all_figures

        all_figures()
    except Exception:  # noqa: BLE001
        pass
    return list(_discover().values())


def plugin_of(item: str, kind: str = "results") -> LoadedPlugin | None:
    """The plugin that contributed a result id, check id or figure name (None: built in)."""
    for lp in (_LOADED or {}).values():
        if item in getattr(lp, kind):
            return lp
    return None


def errors() -> list[str]:
    return [e for lp in (_LOADED or {}).values() for e in lp.errors]


def versions() -> dict:
    """{plugin name: "package version"} of the plugins loaded without error (recorded in every report)."""
    return {lp.name: f"{lp.package} {lp.version}" for lp in (_LOADED or {}).values() if not lp.errors}

