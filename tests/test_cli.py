"""The CLI: JSON shapes (a public interface), exit codes, error messages."""

from __future__ import annotations

import json

import pytest
from theorycheck.verify.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_list_json_shape(capsys):
    code, out, _ = run(capsys, "list", "--json")
    assert code == 0
    data = json.loads(out)
    ids = {d["id"] for d in data}
    assert {"zhang2024.lsa_limit", "ahn2023.pgd_optimum", "shi2024.lowrank_lsa",
            "zhang2024.preconditioner_risk"} <= ids
    for d in data:
        assert set(d) >= {"id", "title", "reference", "quantities"}
        assert set(d["reference"]) >= {"authors", "title", "venue", "year", "arxiv", "where"}


def test_show_json_at(capsys):
    code, out, _ = run(capsys, "show", "zhang2024.lsa_limit", "--json", "--at", "N=20", "lam=[2,1,0.5]")
    assert code == 0
    d = json.loads(out)
    assert set(d) >= {"id", "reference", "parameters", "quantities"}
    q = d["quantities"]
    assert set(q) == {"gamma", "A", "kq_scale", "risk", "risk_shift"}
    assert q["risk"]["value"] == pytest.approx(0.5682888540031398, rel=1e-12)
    assert q["gamma"]["value"] == pytest.approx([2.275, 1.225, 0.7])
    assert q["risk_shift"]["value"] == pytest.approx(q["risk"]["value"])  # lam_test defaults to lam
    assert "lambda" in q["risk"]["latex"]


def test_show_without_at_has_null_values(capsys):
    code, out, _ = run(capsys, "show", "shi2024.lowrank_lsa", "--json")
    assert code == 0
    assert all(v["value"] is None for v in json.loads(out)["quantities"].values())


def test_show_partial_binding(capsys):
    code, out, _ = run(capsys, "show", "ahn2023.pgd_optimum", "--json", "--at", "N=20", "d=5")
    q = json.loads(out)["quantities"]
    assert q["step_isotropic"]["value"] == pytest.approx(20 / 26) and q["Q11"]["value"] is None


@pytest.mark.parametrize("argv,needle", [
    (("show", "nobody.nothing"), "Unknown result id"),
    (("show", "shi2024.lowrank_lsa", "--at", "N=20", "lam=[3,2,1]", "r=4"), "'r' parameter"),
    (("show", "zhang2024.lsa_limit", "--at", "N=0", "lam=[1]"), "'N' parameter"),
    (("show", "zhang2024.lsa_limit", "--at", "N=5", "lam=[1,-1]"), "'lam' parameter"),
    (("show", "zhang2024.lsa_limit", "--at", "N=5", "lam=[1,2]", "lam_test=[1]"), "'lam_test' parameter"),
    (("show", "shi2024.lowrank_lsa", "--at", "N=5", "lam=[2,1]", "r=1", "sigma2=-1"), "'sigma2' parameter"),
    (("show", "zhang2024.lsa_limit", "--at", "N=five"), "must be JSON"),
    (("verify", "--perturb", "zhang2024.lsa_limit:nope=1.05"), "no quantity 'nope'"),
    (("verify", "nobody.nothing"), "Unknown result id"),
    (("figure", "nobody.nothing", "--out", "x"), "Unknown result id"),
])
def test_bad_input_exits_2_with_a_clear_message(capsys, argv, needle):
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert needle in err and "Traceback" not in err


def test_argparse_usage_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as e:
        main(["verify", "--profile", "huge"])
    assert e.value.code == 2


def test_version(capsys):
    import theorycheck

    with pytest.raises(SystemExit) as e:
        main(["--version"])
    assert e.value.code == 0 and theorycheck.__version__ in capsys.readouterr().out


@pytest.mark.parametrize("argv,needle", [
    (("verify", "ahn2023.pgd_optimum", "--check", "zhang2024.lsa_limit/trained_A"), "no check of ahn2023.pgd_optimum"),
    (("verify", "--check", "no_such_check"), "no check matches 'no_such_check'"),
    (("verify", "--perturb", "zhang2024.lsa_limit:risk=nan"), "finite"),
])
def test_a_selection_of_nothing_is_an_error(capsys, argv, needle):
    code, out, err = run(capsys, *argv)
    assert code == 2 and needle in err and "Traceback" not in err


def test_list_and_show_import_neither_torch_nor_matplotlib_nor_checks():
    """`list` and `show` answer at once: SymPy and the registry only (asserted through sys.modules)."""
    import subprocess
    import sys

    probe = ("import sys, io, contextlib\n"
             "from theorycheck.verify.cli import main\n"
             "with contextlib.redirect_stdout(io.StringIO()):\n"
             "    main(['list']); main(['show', 'lu2025.icl_asymptotics', '--json', '--at', 'alpha=2', 'kappa=1',"
             " 'tau=2', 'rho=0.1', 'lam=0'])\n"
             "heavy = [m for m in sys.modules if m.split('.')[0] in ('torch', 'matplotlib', 'hypothesis')"
             " or m.startswith('theorycheck.verify.checks.') or m.startswith('theorycheck.figures')]\n"
             "print(sorted(heavy))\n")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]", out


def test_verify_json_shape(capsys, tmp_path):
    path = tmp_path / "v.json"
    code, out, _ = run(capsys, "verify", "ahn2023.pgd_optimum", "--check", "q11_is_minus_zhang_A",
                       "ahn2023.pgd_optimum/step_isotropic_is_zhang_A", "--profile", "ci", "--json", str(path), "--quiet")
    assert code == 0
    d = json.loads(path.read_text())
    assert d["schema"] == 2 and set(d) >= {"checks", "versions", "device", "profile", "seed", "summary"}
    assert len(d["checks"]) == 2
    for c in d["checks"]:
        assert set(c) >= {"check", "result", "quantity", "rule", "verdict", "predicted", "measured", "gap",
                          "tolerance", "tolerance_parts", "score", "resolution", "resolution_target", "seeds",
                          "seconds", "devices", "examples"}
        assert c["verdict"] == "pass" and c["result"] == "ahn2023.pgd_optimum" and c["rule"] == "value"
        assert c["check"].startswith("ahn2023.pgd_optimum/")
        # one convention: the tolerance is the sum of its named parts, and score = gap / tolerance <= 1
        assert sum(c["tolerance_parts"].values()) == pytest.approx(c["tolerance"])
        assert c["score"] == pytest.approx(c["gap"] / c["tolerance"]) and c["score"] <= 1
        for e in c["examples"]:
            assert set(e) >= {"params", "seed", "verdict", "phase", "rule", "gap", "tolerance", "tolerance_parts",
                              "score", "resolution", "sizes", "diagnostics"}


def test_verify_perturbed_exits_1_and_reports_the_shrunk_example(capsys, tmp_path):
    path = tmp_path / "v.json"
    code, _, _ = run(capsys, "verify", "--check", "zhang2024.lsa_limit/isotropic_risk", "--profile", "ci",
                     "--perturb", "zhang2024.lsa_limit:risk=1.05", "--json", str(path), "--quiet")
    assert code == 1
    c = json.loads(path.read_text())["checks"][0]
    assert c["verdict"] == "fail" and c["shrunk"] is not None
    assert c["shrunk"]["params"]["d"] == 1  # Hypothesis shrinks to the simplest failing dimension


def test_verify_report_files(capsys, tmp_path):
    code, out, _ = run(capsys, "verify", "--check", "shi2024.lowrank_lsa/best_rank_is_argmin", "--profile", "ci",
                       "--report", str(tmp_path / "rep"), "--no-figures", "--quiet")
    assert code == 0
    for name in ("report.json", "report.md", "report.html"):
        assert (tmp_path / "rep" / name).stat().st_size > 200
    assert "best_rank_is_argmin" in (tmp_path / "rep" / "report.md").read_text()


@pytest.mark.slow
def test_figure_command_writes_files(capsys, tmp_path):
    code, out, _ = run(capsys, "figure", "shi2024.lowrank_lsa", "--out", str(tmp_path), "--format", "png",
                       "--profile", "ci", "--device", "cpu")
    assert code == 0
    png = tmp_path / "icl_risk_vs_rank.png"
    assert png.exists() and png.stat().st_size > 10_000
    code, _, err = run(capsys, "figure", "all", "--out", str(tmp_path), "--format", "gif")
    assert code == 2 and "--format" in err


def test_verify_on_a_result_without_checks_says_so_and_exits_2(tmp_path):
    """No silent emptiness: a result nobody wrote a check for is a usage error, not a green run of nothing."""
    import subprocess
    import sys

    probe = ("import sys, theorycheck as tc\n"
             "base = tc.get('zhang2024.preconditioner_risk')\n"
             "tc.register(tc.Result('nobody2026.unchecked', 'no checks', base.reference, list(base.parameters.values()),"
             " list(base.quantities.values())))\n"
             "from theorycheck.verify.cli import main\n"
             "sys.exit(main(['verify', 'nobody2026.unchecked', '--profile', 'ci']))\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.returncode == 2, done.stderr
    assert "no checks for nobody2026.unchecked" in done.stderr and "Traceback" not in done.stderr
