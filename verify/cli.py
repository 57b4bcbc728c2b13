"""The `theorycheck` command line.

    theorycheck list [--json]
    theorycheck show ID [--json] [--at NAME=VALUE ...]
    theorycheck verify [ID ...] [--profile ci|quick|thorough] [--seed N] [--device auto|cpu|cuda]
                       [--report DIR] [--json FILE] [--perturb ID:QUANTITY=FACTOR] [--check NAME ...]
    theorycheck figure ID|NAME|all --out DIR [--format pdf,png] [--profile P] [--seed N]

Exit codes: 0 nothing failed, 1 a check failed, 2 bad usage or invalid parameters.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

import theory


def _parse_at(items: list[str]) -> dict:
    out = {}
    for item in items or []:
        if "=" not in item:
            raise theory.InvalidParameterError(f"--at expects NAME=VALUE (VALUE as JSON); got {item!r}",
                                               parameter="at")
        name, raw = item.split("=", 1)
        if raw.strip().lower() in ("oo", "inf", "infinity"):  # e.g. kappa=oo (unlimited task diversity)
            out[name] = float("inf")
            continue
        try:
            out[name] = json.loads(raw)
        except json.JSONDecodeError:
            raise theory.InvalidParameterError(
                f"--at {name}: the value must be JSON (a number or an array) or oo; got {raw!r}", parameter=name) from None
    return out


def _value(v):
    a = np.asarray(v, dtype=float)
    if np.any(np.isnan(a)):
        return None
    return a.tolist()  # +-inf is a legitimate value (e.g. E_g_inf at alpha = 1); JSON output writes Infinity


def cmd_list(args) -> int:
    results = theory.all_results()
    if args.json:
        print(json.dumps([r.to_dict() for r in results], indent=1))
        return 0
    for r in results:
        print(f"{r.id:32s} {r.title}")
        print(f"{'':32s} {r.reference.short()}; quantities: {', '.join(r.quantities)}")
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
    print(f"{r.id}: {r.title}\n  {r.reference.short()}  (arXiv {r.reference.arxiv})")
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
    import verify
    from verify._report import report_dict, write_report

    perturb = verify.Perturbation.parse(args.perturb) if args.perturb else None
    checks = verify.checks_for(args.ids)
    if args.check:
        unknown = [c for c in args.check if c not in {k.name for k in verify.all_checks()}]
        if unknown:
            raise theory.InvalidParameterError(f"unknown check(s) {unknown}; see `theorycheck verify --list-checks`",
                                               parameter="check")
        checks = [c for c in checks if c.name in args.check]
    if args.list_checks:
        for c in checks:
            print(f"{c.name:45s} {c.kind:8s} {c.result}:{c.quantity}")
        return 0
    from numerics import resolve_device

    device = str(resolve_device(args.device))
    _configure_threads()
    t0 = time.perf_counter()
    progress = _Progress(len(checks), enabled=sys.stderr.isatty() and not args.quiet)
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


def _figures(checks, report_dir: Path, profile: str, seed: int, device: str, cache: dict) -> list[str]:
    import figures
    from verify import PROFILES, Context

    ctx = Context(profile=PROFILES[profile], seed=seed, device=device, cache=cache)
    ids = {c.result for c in checks}
    mods = [m for m in figures.FIGURES.values() if ids & set(m.RESULTS)]
    out = []
    for m in mods:
        try:
            for p in m.make(report_dir / "figures", ("pdf", "png"), ctx, seed=seed):
                out.append(str(p.relative_to(report_dir)))
        except Exception as exc:  # a figure must never sink the verdicts
            print(f"figure {m.NAME} failed: {type(exc).__name__}: {exc}", file=sys.stderr)
    return out


def cmd_figure(args) -> int:
    import figures
    from numerics import resolve_device
    from verify import PROFILES, Context

    mods = figures.figures_for(args.target)
    if not mods:
        print(f"no figure for {args.target!r}; figures: {', '.join(figures.FIGURES)}", file=sys.stderr)
        return 2
    formats = tuple(f.strip() for f in args.format.split(",") if f.strip())
    bad = [f for f in formats if f not in ("pdf", "png", "svg")]
    if bad:
        raise theory.InvalidParameterError(f"--format must list pdf, png or svg; got {bad}", parameter="format")
    _configure_threads()
    ctx = Context(profile=PROFILES[args.profile], seed=args.seed, device=str(resolve_device(args.device)))
    for m in mods:
        for p in m.make(Path(args.out), formats, ctx, seed=args.seed):
            print(p)
    return 0


def _configure_threads():
    import os

    import torch

    torch.set_num_threads(max(1, min(os.cpu_count() or 1, 16)))


def _print_table(verdicts) -> None:
    try:
        from rich.console import Console
        from rich.table import Table
    except ImportError:  # pragma: no cover
        for v in verdicts:
            d = v.to_dict()
            print(f"{d['verdict']:20s} {d['check']:45s} gap={d['gap']} tol={d['tolerance']} {d['seconds']}s")
        return
    colour = {"pass": "green", "fail": "red", "inconclusive": "yellow", "assumption-violated": "magenta"}
    t = Table(title="theorycheck verdicts")
    for col in ("check", "verdict", "gap", "tolerance", "resolution", "s"):
        t.add_column(col)
    for v in verdicts:
        d = v.to_dict()
        f = (lambda x: "—" if x is None else (x if isinstance(x, str) else f"{x:.3g}"))
        t.add_row(d["check"], f"[{colour[d['verdict']]}]{d['verdict']}[/]", f(d["gap"]), f(d["tolerance"]),
                  f(d["resolution"]), f"{d['seconds']:.1f}")
    Console(stderr=False, width=120).print(t)


class _Progress:
    def __init__(self, total: int, enabled: bool):
        self.enabled, self.total, self.i = enabled, total, 0
        self.bar = None
        if enabled:
            try:
                from rich.progress import Progress

                self.bar = Progress(transient=True)
                self.bar.start()
                self.task = self.bar.add_task("checks", total=total)
            except ImportError:  # pragma: no cover
                self.bar = None

    def start(self, check):
        if self.bar is not None:
            self.bar.update(self.task, description=check.name)

    def done(self, check, verdict):
        self.i += 1
        if self.bar is not None:
            self.bar.advance(self.task)
        elif not self.enabled:
            print(f"[{self.i}/{self.total}] {verdict.verdict:20s} {check.name} ({verdict.seconds:.1f}s)",
                  file=sys.stderr, flush=True)

    def close(self):
        if self.bar is not None:
            self.bar.stop()


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="theorycheck", description="Check ML-theory closed forms against experiments.")
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("list", help="list the registered results")
    p.add_argument("--json", action="store_true")
    p.set_defaults(fn=cmd_list)
    p = sub.add_parser("show", help="show a result, optionally evaluated at parameter values")
    p.add_argument("id")
    p.add_argument("--json", action="store_true")
    p.add_argument("--at", nargs="+", metavar="NAME=VALUE", default=[], help="values as JSON, e.g. lam=[2,1,0.5]")
    p.set_defaults(fn=cmd_show)
    p = sub.add_parser("verify", help="run verification checks")
    p.add_argument("ids", nargs="*", help="result ids (default: the whole catalogue)")
    p.add_argument("--profile", choices=["ci", "quick", "thorough"], default="quick")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    p.add_argument("--report", metavar="DIR", help="write report.{json,md,html} and figures/ there")
    p.add_argument("--json", metavar="FILE", help="write the JSON report to FILE")
    p.add_argument("--perturb", metavar="ID:QUANTITY=FACTOR", help="multiply one prediction before comparing")
    p.add_argument("--check", nargs="+", metavar="NAME", help="only these checks")
    p.add_argument("--list-checks", action="store_true", help="list the selected checks and exit")
    p.add_argument("--no-figures", action="store_true")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(fn=cmd_verify)
    p = sub.add_parser("figure", help="make comparison figures")
    p.add_argument("target", help="a result id, a figure name, or 'all'")
    p.add_argument("--out", required=True, metavar="DIR")
    p.add_argument("--format", default="pdf,png")
    p.add_argument("--profile", choices=["ci", "quick", "thorough"], default="quick")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    p.set_defaults(fn=cmd_figure)
    return ap


def main(argv: list[str] | None = None) -> int:
    ap = build_parser()
    args = ap.parse_args(argv)
    try:
        return args.fn(args)
    except theory.InvalidParameterError as e:
        print(f"theorycheck: error: {e}", file=sys.stderr)
        return 2
    except ValueError as e:  # e.g. device='cuda' without CUDA
        print(f"theorycheck: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
