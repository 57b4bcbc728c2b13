"""Xu, Shi, Wei, Mu, Li, Liang (ICLR 2024): multitask finetuning before few-shot adaptation.

The paper's nu-diversity and kappa-consistency definitions and its bound could not be confirmed (only the abstract,
the OpenReview reviews and the task-selection code were reachable; dossier feature_learning.md §4). Encoded instead,
labelled DERIVED, is a linear-representation instance where both notions have exact meaning:

* latent features z = B*^T x in R^k (B* orthonormal, x ~ N(0, I_d)); every task is y = <theta, z> + eps,
  eps ~ N(0, sigma2); the target task has head theta_0 with ||theta_0||^2 = theta2;
* a representation is an orthonormal d x k' matrix; a few-shot target probe is least squares on its k' features
  from n0 samples. With Gaussian inputs the part of the target signal outside the representation acts as
  independent noise, so the probe's expected excess risk is exactly (Gaussian-design OLS, DERIVED)

      probe_risk = b2 + (sigma2 + b2) k' / (n0 - k' - 1),  b2 = (1 - coverage) theta2,

  with coverage the fraction of the target signal inside the representation's span;
* direct adaptation probes the pretrained representation (its coverage of the target); multitask finetuning on
  tasks theta_1..theta_T replaces it by the span the tasks reveal. Consistency = the coverage of the target by the
  finetuning tasks' span; diversity = the smallest non-zero eigenvalue nu of (1/T) sum_t theta_t theta_t^T, which
  sets how well that span is estimated from finite finetuning data.

Directions (the abstract's claim, VERBATIM in words, in this DERIVED instance): finetuning on consistent tasks
beats direct adaptation of a less aligned pretrained representation, and at fixed finetuning data the target risk
falls as diversity grows.
"""

from __future__ import annotations

from ._constraints import Integer, Real
from ._reference import Reference
from ._result import Parameter, Quantity, Result, claim

REFERENCE = Reference(
    authors=("Zhuoyan Xu", "Zhenmei Shi", "Junyi Wei", "Fangzhou Mu", "Yin Li", "Yingyu Liang"),
    title="Towards Few-Shot Adaptation of Foundation Models via Multitask Finetuning",
    venue="International Conference on Learning Representations (ICLR 2024)",
    year=2024,
    arxiv="2402.15017",
    where="abstract (diversity, consistency, reduced target error); the linear instance and its risk are DERIVED",
)


def _risk(s):
    b2 = (1 - s.coverage) * s.theta2
    return b2 + (s.sigma2 + b2) * s.k / (s.n0 - s.k - 1)


# Integer(3) is the bound without k (k >= 1), and gives n0's symbol its positivity.
_ENOUGH_SAMPLES = Integer("k+2", why="least squares on k features has finite expected risk only for n0 > k + 1")
_L = "linear tasks y = <theta, B*^T x> + eps on Gaussian inputs (DERIVED instance)"

RESULT = Result(
    id="xu2024.multitask_finetuning",
    title="Multitask finetuning vs direct adaptation in a linear-representation instance (DERIVED)",
    reference=REFERENCE,
    parameters=[
        Parameter("theta2", "scalar", (Real(0.0, lo_open=True),), "target signal ||theta_0||^2", _L,
                  latex=r"\|\theta_0\|^2", default=lambda v: 1.0, default_doc="1"),
        Parameter("coverage", "scalar", (Real(0.0, 1.0),), "fraction of the target signal inside the representation "
                  "(consistency, for a finetuned one)", _L),
        Parameter("sigma2", "scalar", (Real(0.0),), "target label-noise variance", _L, latex=r"\sigma^2"),
        Parameter("k", "scalar", (Integer(1),), "dimension of the representation probed", _L),
        Parameter("n0", "scalar", (Integer(3), _ENOUGH_SAMPLES), "few-shot target samples", _L, latex="n_0"),
    ],
    quantities=[
        Quantity("probe_risk", _risk, "expected excess risk of the least-squares target probe on a k-dimensional "
                 "orthonormal representation covering a fraction `coverage` of the target signal", "DERIVED"),
        claim("finetune_beats_direct", -1, "sign of [target risk after multitask finetuning on consistent tasks] - "
              "[target risk of direct adaptation of a less aligned pretrained representation]", "VERBATIM",
              where="abstract (in words); instance DERIVED"),
        claim("diversity_trend", -1, "sign of the change of the target risk as the diversity nu of the finetuning "
              "tasks grows at fixed finetuning data", "DERIVED", where="the abstract's diversity metric, instance DERIVED"),
    ],
    notes="nu-diversity, kappa-consistency and the paper's bound are UNVERIFIED; this instance is not the paper's.",
    keywords=("multitask finetuning", "few-shot", "diversity", "consistency", "representation", "foundation model"),
    dimensional=False,
)
