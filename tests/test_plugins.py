"""Plugins: a scaffolded package installed in a throwaway environment joins the CLI; broken plugins stay out.

The tutorial docs/own-theorem.md is executed command by command in a throwaway virtual environment that sees this
environment's packages (torch, theorycheck) but installs nothing here: the user's environment is never touched.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _throwaway_env(tmp: Path) -> dict:
    """A venv (no pip of its own) whose site-packages also reads this interpreter's, with `pip`/`theorycheck` shims."""
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = next((venv / "lib").glob("python*/site-packages"))
    parents = [p for p in sys.path if p.endswith("site-packages") and Path(p).is_dir()]
    (site / "_parent_env.pth").write_text("import site; " + "; ".join(f"site.addsitedir({p!r})" for p in parents) + "\n")
    bin_ = venv / "bin"
    for name, module in (("pip", "pip"), ("theorycheck", "theorycheck")):
        shim = bin_ / name
        shim.write_text(f'#!/bin/sh\nexec "{bin_ / "python"}" -m {module} "$@"\n')
        shim.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(PATH=f"{bin_}:{env['PATH']}", VIRTUAL_ENV=str(venv), PIP_DISABLE_PIP_VERSION_CHECK="1",
               THEORYCHECK_THREADS=os.environ.get("THEORYCHECK_THREADS", "2"))
    return env


def _tutorial_commands() -> str:
    text = (ROOT / "docs" / "own-theorem.md").read_text()
    return "\n".join(re.findall(r"```bash\n(.*?)```", text, flags=re.S))


@pytest.mark.slow
def test_the_tutorial_runs_from_new_to_a_verdict_and_a_figure(tmp_path):
    env = _throwaway_env(tmp_path)
    work = tmp_path / "work"
    work.mkdir()
    script = "set -e\n" + _tutorial_commands()
    done = subprocess.run(["bash", "-c", script], cwd=work, env=env, capture_output=True, text=True, timeout=900)
    transcript = done.stdout + done.stderr
    assert done.returncode == 0, transcript[-6000:]
    # the plugin is loaded, listed, verified (pass), caught when wrong (fail), drawn, and in the report
    assert re.search(r"mytheorem\s+mytheorem 0\.1\.0\s+\[ok\]", done.stdout), transcript
    assert "mypaper2026.ols_risk" in done.stdout and "from plugin mytheorem (mytheorem 0.1.0)" in done.stdout
    assert re.search(r"mypaper2026\.ols_risk/monte_carlo\s*│\s*value\s*│\s*pass", done.stdout), transcript
    assert re.search(r"mypaper2026\.ols_risk/monte_carlo\s*│\s*value\s*│\s*fail", done.stdout), transcript
    assert "the wrong formula fails (exit code 1)" in done.stdout
    assert (work / "figures" / "mytheorem_risk_vs_n.png").stat().st_size > 10_000
    assert json.loads((work / "figures" / "mytheorem_risk_vs_n.json").read_text())["curves"]
    report = json.loads((work / "report" / "report.json").read_text())
    assert report["versions"]["plugins"] == {"mytheorem": "mytheorem 0.1.0"}
    assert report["checks"][0]["origin"] == "plugin mytheorem (mytheorem 0.1.0)"
    assert "mypaper2026.ols_risk/monte_carlo" in (work / "report" / "report.html").read_text()
    assert re.search(r"\d+ passed", done.stdout) and "failed" not in done.stdout.split("passed")[-1]
    # nothing was installed in this environment
    from importlib import metadata

    assert "mytheorem" not in {d.metadata["Name"] for d in metadata.distributions()}


def _fake_plugin(site: Path, name: str, target: str, modules: dict[str, str]) -> None:
    info = site / f"{name}-0.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[theorycheck.plugins]\n{name} = {target}\n")
    for mod, source in modules.items():
        (site / f"{mod}.py").write_text(textwrap.dedent(source))


def test_broken_plugins_get_one_clear_error_and_the_catalogue_keeps_working(tmp_path):
    site = tmp_path / "site"
    _fake_plugin(site, "broken_import", "broken_import_mod:PLUGIN", {"broken_import_mod": "import no_such_module\n"})
    _fake_plugin(site, "duplicate", "duplicate_mod:PLUGIN", {
        "duplicate_mod": "from theorycheck import Plugin\nPLUGIN = Plugin(results='duplicate_results')\n",
        "duplicate_results": """
            import theorycheck as tc
            base = tc.get("zhang2024.preconditioner_risk")
            RESULT = tc.Result("zhang2024.lsa_limit", "a copy", base.reference, list(base.parameters.values()),
                               list(base.quantities.values()))
            """})
    _fake_plugin(site, "unknown_quantity", "unknown_mod:PLUGIN", {
        "unknown_mod": "from theorycheck import Plugin\nPLUGIN = Plugin(checks='unknown_checks')\n",
        "unknown_checks": """
            import theorycheck as tc
            @tc.check(result="zhang2024.lsa_limit", quantity="no_such_quantity", name="x", rule="value",
                      strategy=None, method="n/a")
            def x(p, ctx):
                '''never runs'''
            """})
    env = {**os.environ, "PYTHONPATH": str(site)}

    def cli(*argv):
        return subprocess.run([sys.executable, "-m", "theorycheck", *argv], env=env, capture_output=True, text=True)

    listed = cli("list")
    assert listed.returncode == 0 and "zhang2024.lsa_limit" in listed.stdout and "Traceback" not in listed.stderr
    assert "plugin 'broken_import' (broken_import 0.1): cannot load broken_import_mod:PLUGIN" in listed.stderr
    assert "ModuleNotFoundError" in listed.stderr
    assert "plugin 'duplicate' (duplicate 0.1)" in listed.stderr and "zhang2024.lsa_limit" in listed.stderr
    assert "a copy" not in listed.stdout  # the built-in result is the one registered
    report = json.loads(cli("plugins", "--json").stdout)
    assert {p["name"]: p["ok"] for p in report} == {"broken_import": False, "duplicate": False,
                                                    "unknown_quantity": False}
    assert "no_such_quantity" in next(p for p in report if p["name"] == "unknown_quantity")["errors"][0]
    ran = cli("verify", "zhang2024.lsa_limit", "--check", "isotropic_risk", "--profile", "ci", "--quiet")
    assert ran.returncode == 0 and "pass" in ran.stdout, ran.stderr
    assert "plugin 'unknown_quantity'" in ran.stderr and "Traceback" not in ran.stderr


def test_new_refuses_bad_names_and_existing_folders(tmp_path, capsys):
    from theorycheck.verify.cli import main

    assert main(["new", "Not-A-Name", "--dir", str(tmp_path)]) == 2
    assert "lower-case Python identifier" in capsys.readouterr().err
    assert main(["new", "pkg", "--result", "NoDot", "--dir", str(tmp_path)]) == 2
    assert main(["new", "pkg", "--dir", str(tmp_path)]) == 0
    assert main(["new", "pkg", "--dir", str(tmp_path)]) == 2
    assert "will not overwrite" in capsys.readouterr().err
    written = sorted(p.relative_to(tmp_path / "pkg").as_posix() for p in (tmp_path / "pkg").rglob("*") if p.is_file())
    assert written == ["README.md", "pyproject.toml", "src/pkg/__init__.py", "src/pkg/checks.py",
                       "src/pkg/figures.py", "src/pkg/plugin.py", "src/pkg/results.py", "tests/conftest.py",
                       "tests/test_pkg.py"]
