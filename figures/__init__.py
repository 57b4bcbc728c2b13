"""theorycheck.figures: theory-vs-experiment comparison figures, one module per figure."""

from __future__ import annotations

from . import (_asym_advani, _asym_double_descent, _asym_task_diversity, _fl_mlp_icl, _fl_spike, _fl_subspace,
               _icl_preconditioner, _icl_rank_noise, _misc_adagrad_pp, _misc_annealing, _misc_benign, _misc_collapse)

FIGURES = {m.NAME: m for m in (_icl_rank_noise, _icl_preconditioner, _asym_double_descent, _asym_task_diversity,
                                _asym_advani, _fl_subspace, _fl_mlp_icl, _fl_spike, _misc_benign, _misc_annealing,
                                _misc_collapse, _misc_adagrad_pp)}


def figures_for(target: str):
    """Figure modules for a figure name, a result id, or 'all'."""
    if target == "all":
        return list(FIGURES.values())
    if target in FIGURES:
        return [FIGURES[target]]
    import theory

    theory.get(target)  # raises the standard error for an unknown id
    return [m for m in FIGURES.values() if target in m.RESULTS]


__all__ = ["FIGURES", "figures_for"]
