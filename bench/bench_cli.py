"""How fast the CLI answers: `theorycheck list`, `show ID --json` and `import theorycheck` against `import sympy`.

Each command runs in a fresh interpreter `--repeat` times (after one warm-up run that fills the OS file cache);
the median wall time and CPU time (user + sys of the child) are printed, with the ratio to `import sympy`, the floor
the CLI cannot go below (theory/ is SymPy). Also prints which heavy modules each command imported (none expected).

    python bench/bench_cli.py [--repeat 7]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

PROBE = ("import sys\n{body}\n"
         "heavy = sorted({{m.split('.')[0] for m in sys.modules if m.split('.')[0] in ('torch', 'matplotlib', 'scipy', "
         "'hypothesis')}} | {{m for m in sys.modules if m.startswith('theorycheck.verify.checks.')}})\n"
         "print('HEAVY', ','.join(heavy) or '-', file=sys.stderr)\n")

COMMANDS = {
    "python -c 'import sympy'": "import sympy",
    "python -c 'import theorycheck'": "import theorycheck",
    "theorycheck list": "from theorycheck.verify.cli import main\nmain(['list'])",
    "theorycheck show lu2025.icl_asymptotics --json": "from theorycheck.verify.cli import main\n"
                                                      "main(['show', 'lu2025.icl_asymptotics', '--json'])",
    "theorycheck show zhang2024.lsa_limit --json --at N=20 lam=[2,1,0.5]":
        "from theorycheck.verify.cli import main\nmain(['show', 'zhang2024.lsa_limit', '--json', '--at', 'N=20', "
        "'lam=[2,1,0.5]'])",
}


def _once(body: str) -> tuple[float, float, str]:
    t0 = time.perf_counter()
    before = os.times()
    p = subprocess.run([sys.executable, "-c", PROBE.format(body=body)], capture_output=True, text=True, check=True)
    after = os.times()
    wall = time.perf_counter() - t0
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    heavy = next((ln.split(" ", 1)[1] for ln in p.stderr.splitlines() if ln.startswith("HEAVY")), "?")
    return wall, cpu, heavy


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    rows = {}
    for name, body in COMMANDS.items():
        _once(body)  # warm the file cache
        runs = [_once(body) for _ in range(args.repeat)]
        rows[name] = (statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs), runs[-1][2])
    base_wall, base_cpu, _ = rows["python -c 'import sympy'"]
    print(f"median of {args.repeat} fresh interpreters ({sys.executable})")
    print(f"{'command':70s} {'wall s':>7} {'cpu s':>7} {'wall / sympy':>12}  heavy modules imported")
    for name, (wall, cpu, heavy) in rows.items():
        print(f"{name:70s} {wall:7.3f} {cpu:7.3f} {wall / base_wall:12.2f}  {heavy}")


if __name__ == "__main__":
    main()
