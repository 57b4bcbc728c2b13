"""Reports: JSON (machines), Markdown and a self-contained HTML page (people)."""

from __future__ import annotations

import base64
import html
import json
import platform
import time
from pathlib import Path

__all__ = ["versions", "report_dict", "write_report"]


def versions() -> dict:
    out = {"python": platform.python_version()}
    for mod in ("numpy", "scipy", "sympy", "torch", "hypothesis", "matplotlib"):
        try:
            out[mod] = __import__(mod).__version__
        except Exception:  # pragma: no cover - optional at report time
            out[mod] = None
    from .. import __version__, _plugins

    out["theorycheck"] = __version__
    out["plugins"] = _plugins.versions()  # {plugin: "package version"} of every plugin loaded in this run
    return out


SCHEMA = 2  # the verify JSON's version (README: JSON shapes); 2: one comparison convention (rule, score)


def report_dict(verdicts, *, profile: str, seed: int, device: str, seconds: float, figures=()) -> dict:
    counts = {}
    for v in verdicts:
        counts[v.verdict] = counts.get(v.verdict, 0) + 1
    return {
        "schema": SCHEMA,
        "checks": [v.to_dict() for v in verdicts],
        "summary": counts,
        "profile": profile,
        "seed": seed,
        "device": device,
        "seconds": round(seconds, 2),
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "versions": versions(),
        "figures": [str(f) for f in figures],
    }


def _fmt(x, digits=4):
    if x is None:
        return "—"
    if isinstance(x, list):
        flat = x if not x or not isinstance(x[0], list) else [y for row in x for y in row]
        shown = ", ".join(_fmt(y, digits) for y in flat[:6])
        return f"[{shown}{', …' if len(flat) > 6 else ''}]"
    if isinstance(x, str):
        return x
    return f"{x:.{digits}g}"


def _seeds(seeds: list) -> str:
    shown = ", ".join(map(str, seeds[:4]))
    return shown + (f", … ({len(seeds)} examples)" if len(seeds) > 4 else "")


def _markdown(rep: dict) -> str:
    lines = [
        "# theorycheck verification report",
        "",
        f"Profile `{rep['profile']}`, seed {rep['seed']}, device `{rep['device']}`, {rep['seconds']} s; "
        f"created {rep['created']}.",
        "",
        "Summary: " + ", ".join(f"{k}: {v}" for k, v in sorted(rep["summary"].items())),
        "",
        "Every row follows one convention: gap and tolerance in the quantity's units, score = gap / tolerance "
        "(pass iff <= 1), resolution = tolerance / |predicted|.",
        "",
        "| check | rule | verdict | predicted | measured | gap | tolerance | score | resolution | device | seeds | s |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for c in rep["checks"]:
        lines.append(
            f"| `{c['check']}` | {c['rule']} | **{c['verdict']}** | {_fmt(c['predicted'])} | "
            f"{_fmt(c['measured'])} | {_fmt(c['gap'], 3)} | {_fmt(c['tolerance'], 3)} | {_fmt(c['score'], 3)} | "
            f"{_fmt(c['resolution'], 2)} | {', '.join(c['devices']) or '—'} | {_seeds(c['seeds'])} | {c['seconds']} |")
    lines += ["", "## Checks", ""]
    for c in rep["checks"]:
        lines.append(f"### `{c['check']}` — {c['verdict']}")
        lines.append("")
        lines.append(c["description"])
        lines.append("")
        lines.append(f"*Method:* {c['method']}")
        if c.get("shrunk"):
            lines.append("")
            lines.append(f"*Simplest failing example:* `{json.dumps(c['shrunk']['params'])}` "
                         f"(seed {c['shrunk']['seed']}, gap {_fmt(c['shrunk'].get('gap'))}, "
                         f"tolerance {_fmt(c['shrunk'].get('tolerance'))})")
        lines.append("")
        for e in c["examples"]:
            why = f" — {e['reason']}" if e.get("reason") else ""
            err = f" — error: {e['error'].splitlines()[0]}" if e.get("error") else ""
            lines.append(f"- {e['verdict']} ({e['phase']}): params `{json.dumps(e['params'])}`, seed {e['seed']}, "
                         f"gap {_fmt(e.get('gap'))}, tolerance {_fmt(e.get('tolerance'))} "
                         f"{json.dumps(e.get('tolerance_parts', {}))}, score {_fmt(e.get('score'), 3)}, "
                         f"{e['seconds']} s{why}{err}")
        lines.append("")
    if rep["figures"]:
        lines += ["## Figures", ""] + [f"![{Path(f).name}]({f})" for f in rep["figures"] if f.endswith(".png")]
    lines += ["", "## Versions", "", "```", json.dumps(rep["versions"], indent=2), "```", ""]
    return "\n".join(lines)


def _html(rep: dict, root: Path) -> str:
    colour = {"pass": "#1a7f37", "fail": "#cf222e", "inconclusive": "#9a6700", "assumption-violated": "#8250df"}
    rows = []
    for c in rep["checks"]:
        rows.append(
            "<tr>" + "".join(f"<td>{html.escape(str(x))}</td>" for x in (c["check"], c["rule"])) +
            f"<td style='color:{colour.get(c['verdict'], '#000')};font-weight:bold'>{c['verdict']}</td>" +
            "".join(f"<td>{html.escape(_fmt(x))}</td>" for x in (
                c["predicted"], c["measured"], c["gap"], c["tolerance"], c["score"], c["resolution"])) +
            f"<td>{html.escape(_seeds(c['seeds']))}</td><td>{c['seconds']}</td></tr>")
    imgs = []
    for f in rep["figures"]:
        p = Path(f)
        if p.suffix == ".png" and (root / p).exists():
            data = base64.b64encode((root / p).read_bytes()).decode()
            imgs.append(f"<figure><img src='data:image/png;base64,{data}' style='max-width:640px'>"
                        f"<figcaption>{html.escape(p.name)}</figcaption></figure>")
    details = "".join(
        f"<h3>{html.escape(c['check'])} — {c['verdict']}</h3><p>{html.escape(c['description'])}</p>"
        f"<p><em>Method:</em> {html.escape(c['method'])}</p>"
        f"<pre>{html.escape(json.dumps(c['examples'], indent=1)[:20000])}</pre>" for c in rep["checks"])
    return f"""<!doctype html><html><head><meta charset='utf-8'><title>theorycheck report</title>
<style>body{{font-family:sans-serif;max-width:1200px;margin:2em auto}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:3px 6px;font-size:13px}}pre{{background:#f6f8fa;font-size:11px;overflow:auto;max-height:300px}}</style>
</head><body><h1>theorycheck verification report</h1>
<p>Profile <code>{rep['profile']}</code>, seed {rep['seed']}, device <code>{html.escape(rep['device'])}</code>,
{rep['seconds']} s, created {rep['created']}. Summary: {html.escape(json.dumps(rep['summary']))}</p>
<table><tr><th>check</th><th>rule</th><th>verdict</th><th>predicted</th><th>measured</th><th>gap</th>
<th>tolerance</th><th>score</th><th>resolution</th><th>seeds</th><th>s</th></tr>{''.join(rows)}</table>
<h2>Figures</h2>{''.join(imgs) or '<p>none</p>'}<h2>Details</h2>{details}
<h2>Versions</h2><pre>{html.escape(json.dumps(rep['versions'], indent=2))}</pre></body></html>"""


def write_report(rep: dict, directory: str | Path) -> list[Path]:
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    paths = [d / "report.json", d / "report.md", d / "report.html"]
    paths[0].write_text(json.dumps(rep, indent=1))
    paths[1].write_text(_markdown(rep))
    paths[2].write_text(_html(rep, d))
    return paths
