"""The `theorycheck` command line.

    theorycheck list [--json]
    theorycheck show ID [--json] [--at NAME=VALUE ...]
    theorycheck verify [ID ...] [--profile ci|quick|thorough] [--seed N] [--device auto|cpu|cuda]
                       [--report DIR] [--json FILE] [--perturb ID:QUANTITY=FACTOR] [--check NAME ...]
    theorycheck figure ID|NAME|all --out DIR [--format pdf,png] [--profile P] [--seed N]
    theorycheck plugins [--json]
    theorycheck new PACKAGE [--result ID] [--dir DIR]

Exit codes: 0 nothing failed, 1 a check failed, 2 bad usage or invalid parameters.

`list` and `show` import SymPy and the registry only (no torch, no matplotlib, no check family): the
heavy modules load inside `verify` and `figure`.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from .. import __version__, theory
from .._errors import TheorycheckError, UsageError


def _parse_at(items: list[str]) -> dict:
    out = {}
    for item in items or []:
        if "=" not in item:
            raise UsageError(f"--at expects NAME=VALUE (VALUE as JSON); got {item!r}", parameter="at")
        name, raw = item.split("=", 1)
        if raw.strip().lower() in ("oo", "inf", "infinity"):  # e.g. kappa=oo (unlimited task diversity)
            out[name] = float("inf")
            continue
        try:
            out[name] = json.loads(raw)
        except json.JSONDecodeError:
            raise UsageError(f"--at {name}: the value must be JSON (a number or an array) or oo; got {raw!r}",
                             parameter=name) from None
    return out


def _value(v):
    import numpy as np

    a = np.asarray(v, dtype=float)
    if np.any(np.isnan(a)):
        return None
    return a.tolist()  # +-inf is a legitimate value (e.g. E_g_inf at alpha = 1); JSON output writes Infinity


def _origin(result_id: str) -> str:
    from .. import _plugins

    lp = _plugins.plugin_of(result_id, kind="results")
    return "theorycheck" if lp is None else f"plugin {lp.name} ({lp.package} {lp.version})"


def cmd_list(args) -> int:
    results = theory.all_results()
    if args.json:
        print(json.dumps([{**r.to_dict(), "origin": _origin(r.id)} for r in results], indent=1))
        return 0
    for r in results:
        origin = _origin(r.id)
        print(f"{r.id:32s} {r.title}")
        print(f"{'':32s} {r.reference.short()}; quantities: {', '.join(r.quantities)}"
              + ("" if origin == "theorycheck" else f"; from {origin}"))
    return 0


def cmd_plugins(args) -> int:
    from .. import _plugins

    loaded = _plugins.loaded_plugins()
    if args.json:
        print(json.dumps([lp.to_dict() for lp in loaded], indent=1))
        return 0
    if not loaded:
        print(f"no plugins installed (entry-point group {_plugins.GROUP!r}; `theorycheck new PACKAGE` writes one)")
    for lp in loaded:
        status = "ok" if not lp.errors else "ERROR"
        print(f"{lp.name:20s} {lp.package} {lp.version}  [{status}]  {lp.target}")
        print(f"{'':20s} results: {', '.join(lp.results) or '-'}; checks: {len(lp.checks)}; "
              f"figures: {', '.join(lp.figures) or '-'}")
        for e in lp.errors:
            print(f"{'':20s} {e}")
    return 0


def cmd_new(args) -> int:
    from ._scaffold import scaffold

    for path in scaffold(args.package, result_id=args.result, directory=args.dir):
        print(path)
    return 0


def cmd_show(args) -> int:
    r = theory.get(args.id)
    at = _parse_at(args.at)
    if at:
        r.bind(at)  # validate everything given, once, with the standard message
    quantities = {}
    for name, q in r.quantities.items():
        entry = {"latex": r.latex(name), "kind": q.kind, "status": q.status, "description": q.description,
                 "where": q.where or r.reference.where, "needs": list(r.needs(name)), "value": None}
        have = set(at) | ({"d"} if "lam" in at else set()) | {p.name for p in r.parameters.values()
                                                               if p.default is not None and p.name not in at}
        if at and all(n in have for n in r.needs(name)):
            try:
                entry["value"] = _value(r.evaluate(name, **at))
            except theory.InvalidParameterError as e:
                if e.parameter in at or e.parameter == "d":
                    raise
        quantities[name] = entry
    out = {"id": r.id, "title": r.title, "reference": r.reference.to_dict(), "parameters": r.describe_parameters(),
           "quantities": quantities, "notes": r.notes}
    if args.json:
        print(json.dumps(out, indent=1))
        return 0
    arxiv = f"  (arXiv {r.reference.arxiv})" if r.reference.arxiv else ""
    print(f"{r.id}: {r.title}\n  {r.reference.short()}{arxiv}")
    print("parameters:")
    for name, p in out["parameters"].items():
        default = f" (default {p['default']})" if p["default"] else ""
        print(f"  {name:9s} {p['constraint']}{default} — {p['description']}")
    print("quantities:")
    for name, q in quantities.items():
        val = "" if q["value"] is None else f" = {q['value']}"
        print(f"  {name:18s} [{q['status']}] {q['latex']}{val}")
    return 0


def cmd_verify(args) -> int:
    from .. import verify
    from ._report import report_dict, write_report

    perturb = verify.Perturbation.parse(args.perturb) if args.perturb else None
    checks = verify.checks_for(args.ids, args.check)
    if not checks:
        raise UsageError(f"no checks for {', '.join(args.ids)}: nothing to verify", parameter="ids")
    if args.list_checks:
        for c in checks:
            print(f"{c.id:60s} {c.rule:13s} {c.result}:{c.quantity}")
        return 0
    device = _device(args.device)
    _configure_threads()
    t0 = time.perf_counter()
    progress = _Progress(len(checks), enabled=sys.stderr.isatty() and not args.quiet, quiet=args.quiet)
    cache: dict = {}
    verdicts = []
    for c in checks:
        progress.start(c)
        v = verify.run_check(c, profile=args.profile, seed=args.seed, device=device, perturb=perturb, cache=cache)
        verdicts.append(v)
        progress.done(c, v)
    progress.close()
    figs = []
    if args.report and not args.no_figures:
        figs = _figures(checks, Path(args.report), args.profile, args.seed, device, cache)
    rep = report_dict(verdicts, profile=args.profile, seed=args.seed, device=device,
                      seconds=time.perf_counter() - t0, figures=figs)
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(rep, indent=1))
    if args.report:
        write_report(rep, args.report)
    _print_table(verdicts)
    if args.report:
        print(f"report: {Path(args.report) / 'report.html'} (also .md, .json)")
    return 1 if any(v.verdict == "fail" for v in verdicts) else 0


def _device(requested: str) -> str:
    from ..numerics import resolve_device

    return str(resolve_device(requested))


def _figures(checks, report_dir: Path, profile: str, seed: int, device: str, cache: dict) -> list[str]:
    from .. import figures
    from ._check import profile as _profile

    ids = {c.result for c in checks}
    out = []
    for fig in figures.all_figures():
        if not ids & set(fig.results):
            continue
        try:
            for p in figures.draw(fig, report_dir / "figures", ("pdf", "png"), profile=_profile(profile), seed=seed,
                                  device=device, cache=cache):
                out.append(str(p.relative_to(report_dir)))
        except Exception as exc:  # a figure must never sink the verdicts
            print(f"figure {fig.name} failed: {type(exc).__name__}: {exc}", file=sys.stderr)
    return out


def cmd_figure(args) -> int:
    from .. import figures
    from ._check import profile as _profile

    figs = figures.figures_for(args.target)
    formats = tuple(f.strip() for f in args.format.split(",") if f.strip())
    bad = [f for f in formats if f not in ("pdf", "png", "svg")]
    if bad or not formats:
        raise UsageError(f"--format must list pdf, png or svg (comma-separated); got {args.format!r}",
                         parameter="format")
    device = _device(args.device)
    _configure_threads()
    cache: dict = {}
    for fig in figs:
        for p in figures.draw(fig, Path(args.out), formats, profile=_profile(args.profile), seed=args.seed,
                              device=device, cache=cache):
            print(p)
    return 0


def _configure_threads():
    import os

    import torch

    default = max(1, min(os.cpu_count() or 1, 16))
    torch.set_num_threads(int(os.environ.get("THEORYCHECK_THREADS", default)))  # e.g. 1 beside other jobs


def _print_table(verdicts) -> None:
    from rich.console import Console
    from rich.table import Table

    colour = {"pass": "green", "fail": "red", "inconclusive": "yellow", "assumption-violated": "magenta"}
    t = Table(title="theorycheck verdicts")
    for col in ("check", "rule", "verdict", "gap", "tolerance", "score", "resolution", "s"):
        t.add_column(col)

    def f(x):
        return "—" if x is None else (x if isinstance(x, str) else f"{x:.3g}")

    for v in verdicts:
        d = v.to_dict()
        t.add_row(d["check"], d["rule"], f"[{colour[d['verdict']]}]{d['verdict']}[/]", f(d["gap"]), f(d["tolerance"]),
                  f(d["score"]), f(d["resolution"]), f"{d['seconds']:.1f}")
    Console(stderr=False, width=140).print(t)


class _Progress:
    def __init__(self, total: int, enabled: bool, quiet: bool = False):
        self.enabled, self.quiet, self.total, self.i = enabled, quiet, total, 0
        self.bar = None
        if enabled:
            from rich.progress import Progress

            self.bar = Progress(transient=True)
            self.bar.start()
            self.task = self.bar.add_task("checks", total=total)

    def start(self, check):
        if self.bar is not None:
            self.bar.update(self.task, description=check.id)

    def done(self, check, verdict):
        self.i += 1
        if self.bar is not None:
            self.bar.advance(self.task)
        elif not self.quiet:
            print(f"[{self.i}/{self.total}] {verdict.verdict:20s} {check.id} ({verdict.seconds:.1f}s)",
                  file=sys.stderr, flush=True)

    def close(self):
        if self.bar is not None:
            self.bar.stop()


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="theorycheck", description="Check ML-theory closed forms against experiments.")
    ap.add_argument("--version", action="version", version=f"theorycheck {__version__}")
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("list", help="list the registered results")
    p.add_argument("--json", action="store_true", help="machine-readable output (README: JSON shapes)")
    p.set_defaults(fn=cmd_list)
    p = sub.add_parser("show", help="show a result, optionally evaluated at parameter values")
    p.add_argument("id", help="a result id, e.g. zhang2024.lsa_limit")
    p.add_argument("--json", action="store_true", help="machine-readable output (README: JSON shapes)")
    p.add_argument("--at", nargs="+", metavar="NAME=VALUE", default=[], help="values as JSON, e.g. lam=[2,1,0.5]")
    p.set_defaults(fn=cmd_show)
    p = sub.add_parser("verify", help="run verification checks")
    p.add_argument("ids", nargs="*", help="result ids (default: the whole catalogue)")
    p.add_argument("--profile", choices=["ci", "quick", "thorough"], default="quick", help="sizes and draws per check")
    p.add_argument("--seed", type=int, default=0, help="seed of the run (recorded in the report)")
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"], help="where experiments train")
    p.add_argument("--report", metavar="DIR", help="write report.{json,md,html} and figures/ there")
    p.add_argument("--json", metavar="FILE", help="write the JSON report to FILE")
    p.add_argument("--perturb", metavar="ID:QUANTITY=FACTOR", help="multiply one prediction before comparing")
    p.add_argument("--check", nargs="+", metavar="NAME", help="only these checks (ids 'result/name' or names)")
    p.add_argument("--list-checks", action="store_true", help="list the selected checks and exit")
    p.add_argument("--no-figures", action="store_true", help="with --report: skip the figures")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.set_defaults(fn=cmd_verify)
    p = sub.add_parser("plugins", help="list the installed plugins (entry-point group theorycheck.plugins)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(fn=cmd_plugins)
    p = sub.add_parser("new", help="write a plugin package: a result, a check, a figure, a test, a pyproject.toml")
    p.add_argument("package", help="the package's import name (letters, digits, underscores)")
    p.add_argument("--result", metavar="ID", help="the example result's id (default PACKAGE2026.ols_risk)")
    p.add_argument("--dir", default=".", metavar="DIR", help="where to write the package folder (default: here)")
    p.set_defaults(fn=cmd_new)
    p = sub.add_parser("figure", help="make comparison figures")
    p.add_argument("target", help="a result id, a figure name, or 'all'")
    p.add_argument("--out", required=True, metavar="DIR", help="folder for the figure files")
    p.add_argument("--format", default="pdf,png", help="comma-separated: pdf, png, svg")
    p.add_argument("--profile", choices=["ci", "quick", "thorough"], default="quick")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    p.set_defaults(fn=cmd_figure)
    return ap


def main(argv: list[str] | None = None) -> int:
    import warnings

    from .. import _plugins

    ap = build_parser()
    args = ap.parse_args(argv)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", _plugins.PluginWarning)  # said once, below, as the CLI's own line
            return args.fn(args)
    except TheorycheckError as e:
        print(f"theorycheck: error: {e}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. `theorycheck list | head -1`: the reader left; not an error of ours
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error when Python flushes
        return 0
    finally:
        if args.fn is not cmd_plugins:  # `plugins` shows them itself
            for message in _plugins.errors():
                print(f"theorycheck: warning: {message} (the rest of the catalogue is unaffected)", file=sys.stderr)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
