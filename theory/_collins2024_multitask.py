"""Collins, Hassani, Soltanolkotabi, Mokhtari, Shakkottai (ICML 2024): multitask pretraining of a two-layer ReLU
network recovers the r-dimensional subspace the tasks' labels depend on.

The paper body was not reachable (dossier feature_learning.md §1.2): what is encoded is DERIVED, in the setting the
abstract describes (VERBATIM): binary tasks whose labels depend on the projection M^T x onto an r-dimensional
subspace, first layer shared, heads per task, heads updated before the representation.

* task_kernel (DERIVED, Sheppard's formula): for tasks y_t(x) = sign(<v_t, M^T x>), v_t uniform on S^{r-1},
  K(x, x') = E_t[y_t(x) y_t(x')] = 1 - 2 theta/pi, theta the angle between M^T x and M^T x'.
* contrastive_loss (DERIVED here): one head step from b_t = 0 with step alpha on the task's own samples,
  b_t = alpha E[y sigma(W x)], substituted into the correlation loss on fresh samples, gives
  E_t L_t(W) = -alpha E_{x,x'}[K(x,x') <sigma(Wx), sigma(Wx')>] (the pseudo-contrastive loss), and for Gaussian x and
  ReLU, E[relu(w.x) sign(v.M^T x)] = <M^T w, v>/sqrt(2 pi) (Stein) makes it exactly
      L(W) = -alpha ||W M||_F^2 / (2 pi r),
  the in-span energy of the first layer: the loss rewards rows of W inside span(M) and nothing else.
  It does not reward spreading the rows over all r directions (the squared loss's residual term does).
* The numeric claims as directions: the largest principal-angle sine falls as the number of tasks T grows
  (VERBATIM-2nd: Fig. 1 "error diminishing with the number of tasks"; a single task cannot guarantee all r
  directions, VERBATIM abstract), and a linear probe on the multitask features beats one on random features for a
  new task (VERBATIM abstract: random features need complexity exponential in d).
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from ._constraints import Integer, Real
from ._reference import Reference
from ._result import Parameter, Quantity, Result, claim

REFERENCE = Reference(
    authors=("Liam Collins", "Hamed Hassani", "Mahdi Soltanolkotabi", "Aryan Mokhtari", "Sanjay Shakkottai"),
    title="Provable Multi-Task Representation Learning by Two-Layer ReLU Neural Networks",
    venue="Proceedings of the 41st International Conference on Machine Learning (ICML 2024), PMLR 235",
    year=2024,
    arxiv="2307.06887",
    where="abstract (pseudo-contrastive loss, subspace recovery, single-task negative result); Fig. 1 per secondary "
          "quotation; paper body UNVERIFIED",
)

_S = "labels y_t = sign(<v_t, M^T x>) with v_t uniform on the sphere S^{r-1} (DERIVED task model)"


def _loss_num(alpha, r, in_span):
    return -np.asarray(alpha, float) * np.asarray(in_span, float) / (2 * np.pi * np.asarray(r, float))


RESULT = Result(
    id="collins2024.multitask_relu",
    title="Multitask pretraining of a two-layer ReLU network: task kernel, pseudo-contrastive loss, subspace recovery",
    reference=REFERENCE,
    parameters=[
        Parameter("theta", "scalar", (Real(0.0, float(np.pi)),), "angle between M^T x and M^T x'", _S,
                  latex=r"\theta"),
        Parameter("alpha", "scalar", (Real(0.0, lo_open=True),), "step of the head update from b_t = 0",
                  "heads updated before the representation (abstract)", latex=r"\alpha"),
        Parameter("r", "scalar", (Integer(1),), "dimension of the label-relevant subspace", _S),
        Parameter("in_span", "scalar", (Real(0.0),), "in-span energy ||W M||_F^2 of the first layer (M orthonormal)",
                  "Gaussian inputs x ~ N(0, I_d), ReLU first layer (DERIVED setting)", latex=r"\|W M\|_F^2"),
    ],
    quantities=[
        Quantity("task_kernel", lambda s: 1 - 2 * s.theta / sp.pi, "K = E_t[y_t(x) y_t(x')] = 1 - 2 theta/pi",
                 "DERIVED", where="Sheppard's formula"),
        Quantity("contrastive_loss", lambda s: -s.alpha * s.in_span / (2 * sp.pi * s.r),
                 "task-averaged pseudo-contrastive loss -alpha E[K <relu(Wx), relu(Wx')>] = -alpha ||WM||_F^2/(2 pi r)",
                 "DERIVED", numeric=_loss_num, args=("alpha", "r", "in_span")),
        claim("recovery_vs_tasks", -1, "sign of the change of the largest principal-angle sine between span(W) and "
              "span(M) as the number of tasks T grows (T = 1 misses r - 1 directions)", "SECONDARY",
              where="Fig. 1 (quoted by a reproducibility audit) and the abstract's single-task result"),
        claim("probe_advantage", +1, "sign of [probe accuracy on multitask features] - [on random ReLU features] "
              "for a new task on the same subspace", "VERBATIM", where="abstract (downstream linear classifier)"),
    ],
    notes="Data model, algorithm, rates and the paper's own loss expression are UNVERIFIED (PDF not reachable); "
          "the experiment protocol is the dossier's DERIVED one (§1.4).",
    keywords=("multitask", "representation learning", "two-layer ReLU", "subspace recovery", "contrastive",
              "feature learning"),
    dimensional=False,
)
