"""The catalogue of checks: explicit, one import per family."""

from __future__ import annotations

import theory

from . import _asym_checks, _fl_checks, _icl_checks, _misc_checks
from ._check import Check

_CHECKS: list[Check] = list(_icl_checks.CHECKS) + list(_asym_checks.CHECKS) + list(_fl_checks.CHECKS) + list(
    _misc_checks.CHECKS)
_names = [c.name for c in _CHECKS]
if len(set(_names)) != len(_names):
    raise RuntimeError("duplicate check names in the catalogue")


def all_checks() -> list[Check]:
    return list(_CHECKS)


def checks_for(ids: list[str] | None = None) -> list[Check]:
    """Checks of the given result ids (all when None); unknown ids raise theory's error."""
    if not ids:
        return all_checks()
    for i in ids:
        theory.get(i)
    return [c for c in _CHECKS if c.result in ids]
