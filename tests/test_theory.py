"""theory/: closed forms against the dossier's numbers, symbolic identities, evaluation mechanics."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import sympy as sp

from theorycheck import theory

LAM5 = [4.0, 2.0, 1.0, 0.5, 0.25]  # dossier icl_linear.md §2.3 (d = 5, N = 20)


def test_theory_imports_without_torch_or_scipy():
    code = ("import sys; from theorycheck import theory; theory.get('zhang2024.lsa_limit'); "
            "assert 'torch' not in sys.modules, 'torch'; assert 'scipy' not in sys.modules, 'scipy'")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_readme_repl_session():
    r = theory.get("zhang2024.lsa_limit")
    assert "lambda" in r.latex("risk")
    value = r.evaluate("risk", N=20, lam=[2, 1, 0.5])
    lam = np.array([2, 1, 0.5])
    T = lam.sum()
    assert value == pytest.approx(np.sum(lam * (lam + T) / (21 * lam + T)), rel=1e-12)  # M = N closed form


def test_dossier_numbers_zfb():
    r = theory.get("zhang2024.lsa_limit")
    assert r.evaluate("risk", N=20, lam=LAM5) == pytest.approx(1.58844276, rel=1e-8)
    for M, want in [(5, 5.058077), (20, 1.588443), (100, 0.663207), (1000, 0.455029)]:
        assert r.evaluate("risk", N=20, M=M, lam=LAM5) == pytest.approx(want, abs=1e-6)
    assert r.evaluate("risk", N=40, lam=[1.0] * 20) == pytest.approx(6.88524590163934, rel=1e-12)
    ar = np.linalg.eigvalsh(0.8 ** np.abs(np.subtract.outer(np.arange(20), np.arange(20))))
    assert r.evaluate("risk", N=40, lam=ar) == pytest.approx(4.589341698239069, rel=1e-10)


def test_dossier_numbers_shi():
    r = theory.get("shi2024.lowrank_lsa")
    want = [4.262261580381471, 2.654221379376446, 1.9585692054634025, 1.6845966027236765, 1.5884427565698302]
    got = [float(r.evaluate("risk", N=20, lam=LAM5, r=k)) for k in range(1, 6)]
    assert got == pytest.approx(want, rel=1e-12)
    noisy = [float(r.evaluate("risk", N=20, lam=LAM5, r=k, sigma2=60)) for k in range(1, 6)]
    assert noisy == pytest.approx([6.5431, 6.8744, 7.6305, 8.2573, 8.6049], abs=1e-4)
    best = [int(r.evaluate("best_rank", N=20, lam=LAM5, r=1, sigma2=s)) for s in (0, 10, 60, 120, 400)]
    assert best == [5, 5, 1, 0, 0]


def test_isotropic_step_and_ahn():
    assert theory.get("ahn2023.pgd_optimum").evaluate("step_isotropic", N=20, d=5) == pytest.approx(20 / 26)
    q = theory.get("ahn2023.pgd_optimum").evaluate("Q11", N=20, lam=LAM5)
    a = theory.get("zhang2024.lsa_limit").evaluate("A", N=20, lam=LAM5)
    np.testing.assert_allclose(q, -a, rtol=1e-15)


@pytest.mark.parametrize("d,symbolic_lam", [(1, True), (2, True), (3, True), (5, False)])
def test_symbolic_identities_exact(d, symbolic_lam):
    """Exact SymPy identities with symbolic N, M, sigma2 and symbolic (or exact rational) eigenvalues."""
    zfb, shi, fix = (theory.get(i) for i in ("zhang2024.lsa_limit", "shi2024.lowrank_lsa",
                                               "zhang2024.preconditioner_risk"))
    lam = (list(sp.symbols(f"l1:{d + 1}", positive=True)) if symbolic_lam
           else [sp.Rational(7, 2), sp.Rational(5, 2), sp.Rational(3, 2), sp.Rational(2, 3), sp.Rational(1, 5)])
    N, M = sp.symbols("N M", positive=True, integer=True)
    s2 = sp.Symbol("s2", nonnegative=True)

    def same(a, b):
        return sp.cancel(sp.together(a - b)) == 0

    # rank d equals full rank
    assert same(shi.evaluate("risk", N=N, M=M, lam=lam, r=d), zfb.evaluate("risk", N=N, M=M, lam=lam))
    # Lambda = I: d(d+1)/(N+d+1) at M = N
    assert same(zfb.evaluate("risk", N=N, lam=[1] * d), sp.Rational(d * (d + 1)) / (N + d + 1))
    # fixed-A formula at A = Gamma^-1 reproduces Theorem 4.2's Gaussian specialisation
    A = sp.diag(*list(zfb.evaluate("A", N=N, lam=lam)))
    assert same(fix.evaluate("risk", A=A.tolist(), lam=lam, M=M, sigma2=0), zfb.evaluate("risk", N=N, M=M, lam=lam))
    # fixed-A formula with noise at the rank-r optimum reproduces Shi et al.'s risk, every r
    for r in range(1, d + 1):
        Ar = sp.diag(*list(shi.evaluate("A", N=N, lam=lam, r=r)))
        lhs = fix.evaluate("risk", A=Ar.tolist(), lam=lam, M=M, sigma2=s2)
        assert same(lhs, shi.evaluate("risk", N=N, M=M, lam=lam, r=r, sigma2=s2))


def test_gamma_inverse_is_the_minimiser_symbolically():
    """dR/dA_ii = 0 at A = Gamma^-1 (M = N, clean), d = 3 with symbolic eigenvalues."""
    fix = theory.get("zhang2024.preconditioner_risk")
    lam = list(sp.symbols("l1:4", positive=True))
    N = sp.Symbol("N", positive=True)
    a = sp.symbols("a1:4")
    R = fix.evaluate("risk", A=sp.diag(*a).tolist(), lam=lam, M=N, sigma2=0)
    sol = theory.get("zhang2024.lsa_limit").evaluate("A", N=N, lam=lam)
    for k in range(3):
        assert sp.cancel(sp.diff(R, a[k]).subs(dict(zip(a, sol)))) == 0


def test_dossier_identities_rank_gain_and_crossover():
    lam, T, N = sp.symbols("lambda T N", positive=True)
    g = ((N + 1) * lam + T) / N
    assert sp.cancel(sp.diff(lam ** 2 / g, lam) - N * lam * (N * lam + 2 * T + lam) / (N * lam + T + lam) ** 2) == 0


def test_best_rank_general_M_reduces_to_paper_form():
    shi = theory.get("shi2024.lowrank_lsa")
    rng = np.random.default_rng(0)
    for _ in range(200):
        d = int(rng.integers(1, 7))
        lam = np.sort(rng.uniform(0.1, 5, d))[::-1]
        N = int(rng.integers(1, 60))
        s2 = float(rng.uniform(0, 3 * ((N + 1) * lam.max() + lam.sum())))
        want = int(np.sum((N + 1) * lam + lam.sum() > s2))
        assert int(shi.evaluate("best_rank", N=N, lam=lam, r=1, sigma2=s2)) == want


def test_vectorised_evaluation_broadcasts():
    r = theory.get("zhang2024.lsa_limit")
    Ns = np.array([5, 10, 20])
    lam = np.array([[2.0, 1.0, 0.5], [1.0, 1.0, 1.0]])
    out = r.evaluate("risk", N=Ns[:, None], lam=lam[None])
    assert out.shape == (3, 2)
    assert out[2, 0] == pytest.approx(r.evaluate("risk", N=20, lam=[2.0, 1.0, 0.5]))
    assert r.evaluate("A", N=Ns[:, None], lam=lam[None]).shape == (3, 2, 3)


def test_full_covariance_is_accepted():
    rng = np.random.default_rng(1)
    Q, _ = np.linalg.qr(rng.standard_normal((4, 4)))
    lam = np.array([3.0, 2.0, 1.0, 0.5])
    L = Q @ np.diag(lam) @ Q.T
    r = theory.get("zhang2024.lsa_limit")
    assert r.evaluate("risk", N=10, Lambda=L) == pytest.approx(r.evaluate("risk", N=10, lam=lam), rel=1e-12)
    fix = theory.get("zhang2024.preconditioner_risk")
    G = np.linalg.inv((1 + 1 / 10) * L + np.trace(L) / 10 * np.eye(4))  # Gamma^-1 in the original basis
    assert fix.evaluate("risk", A=G, Lambda=L, M=10) == pytest.approx(r.evaluate("risk", N=10, lam=lam), rel=1e-10)
    with pytest.raises(theory.InvalidParameterError, match="Lambda"):
        r.evaluate("risk", N=10, Lambda=-L)


def test_symbolic_parameters_pass_validation():
    r = theory.get("zhang2024.lsa_limit")
    n = sp.Symbol("n", positive=True, integer=True)
    assert sp.simplify(r.evaluate("risk", N=n, lam=[1, 1])) == 6 / (n + 3)
    with pytest.raises(theory.InvalidParameterError, match="'N'"):
        r.evaluate("risk", N=sp.Symbol("m", negative=True), lam=[1, 1])


def test_registry_search_and_duplicates():
    assert {x.id for x in theory.search("linear attention")} >= {"zhang2024.lsa_limit", "shi2024.lowrank_lsa"}
    assert theory.search("rank noise")[0].id == "shi2024.lowrank_lsa"
    with pytest.raises(ValueError, match="duplicate"):
        theory.register(theory.get("zhang2024.lsa_limit"))
    with pytest.raises(theory.UnknownResultError, match="known ids"):
        theory.get("nobody2099.nothing")


def test_error_message_shape():
    with pytest.raises(theory.InvalidParameterError) as e:
        theory.get("shi2024.lowrank_lsa").evaluate("risk", N=20, lam=[5.0, 4.0, 3.0, 2.0, 1.0], r=7)
    msg = str(e.value)
    assert "'r' parameter of shi2024.lowrank_lsa" in msg and "[1, d]" in msg and "Got 7 with d=5" in msg
    assert "assumption of Section 3" in msg
    assert e.value.parameter == "r"


def test_rank_gap_needed_for_A_only():
    shi = theory.get("shi2024.lowrank_lsa")
    shi.evaluate("risk", N=10, lam=[2.0, 1.0, 1.0], r=2)  # ties are fine for the risk
    with pytest.raises(theory.InvalidParameterError, match="not unique"):
        shi.evaluate("A", N=10, lam=[2.0, 1.0, 1.0], r=2)


def test_repr_and_latex():
    r = theory.get("shi2024.lowrank_lsa")
    assert "shi2024.lowrank_lsa" in repr(r)
    assert r._repr_latex_().startswith("$")
    assert "Piecewise" not in r.latex("best_rank")
    assert r.reference.bibtex("shi2024").startswith("@article{shi2024,")


def test_constraints_imply_the_symbol_assumptions():
    C = theory.constraints
    Choice, Integer, PositiveVector, Real, implied_assumptions = (
        C.Choice, C.Integer, C.PositiveVector, C.Real, C.implied_assumptions)

    assert implied_assumptions((Integer(1),)) == {"integer": True, "positive": True}
    assert implied_assumptions((Integer(0, "n_match"),)) == {"integer": True, "nonnegative": True}
    assert implied_assumptions((Integer(3), Integer("k+2"))) == {"integer": True, "positive": True}
    assert implied_assumptions((Real(0.0, lo_open=True),)) == {"positive": True}
    assert implied_assumptions((Real(0.0),)) == {"nonnegative": True}
    assert implied_assumptions((Real(None),)) == {"real": True}
    assert implied_assumptions((Real("-mu_norm", "mu_norm"),)) == {"real": True}
    assert implied_assumptions((PositiveVector(),)) == {"positive": True}
    assert implied_assumptions((Choice(("a", "b")),)) == {}
    N = theory.get("zhang2024.lsa_limit").parameters["N"]
    assert N.symbol_assumptions == {"integer": True, "positive": True}


def test_bounds_can_name_another_parameter():
    Integer, Real = theory.constraints.Integer, theory.constraints.Real

    c = Real("-mu_norm", "mu_norm", why="|c| <= ||mu||")
    assert c.describe() == "a real number in [-mu_norm, mu_norm] (|c| <= ||mu||)"
    assert c.check(0.5, {"mu_norm": 1.0}) is None and c.check(-1.5, {"mu_norm": 1.0}) == "it is below -mu_norm"
    assert c.check(5.0, {}) is None  # mu_norm not given: the bound is not enforced
    assert Real(0.0, 1.0, hi_open=True).check(1.0, {}) == "it equals 1, which is excluded"
    n0 = Integer("k+2")
    assert n0.describe() == "an integer >= k + 2" and n0.refs() == ("k",)
    assert n0.check(7, {"k": 5}) is None and n0.check(6, {"k": 5}) == "it is below k + 2"
    assert n0.check(np.array([4, 6]), {"k": np.array([2, 5])}) is not None  # vectorised
    assert n0.check(sp.Symbol("n", integer=True), {"k": 5}) is None  # undecided: passes
    with pytest.raises(theory.InvalidParameterError, match="bound"):
        Integer("2k")
    with pytest.raises(theory.InvalidParameterError) as e:
        theory.get("xu2024.multitask_finetuning").evaluate("probe_risk", k=5, n0=6, coverage=0.5, sigma2=0.1)
    assert e.value.parameter == "n0" and "Got 6 with k=5: it is below k + 2" in str(e.value)


def test_a_bound_parameter_is_checked_before_what_it_bounds():
    r = theory.get("tissue2024.lr_annealing_law")
    with pytest.raises(theory.InvalidParameterError) as e:
        r.evaluate("S1", schedule="linear", s=3, T=0, eta_max=0.1)  # s > T too, but T is what is wrong
    assert e.value.parameter == "T"
    assert r.example()["s"] <= r.example()["T"]
