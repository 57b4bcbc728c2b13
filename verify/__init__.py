"""theorycheck.verify: bind theory results to numeric experiments and return honest verdicts.

Light to import (no torch, no Hypothesis): the check families in `verify.checks` load when checks are
first asked for (`all_checks`, `checks_for`).
"""

from . import rules as rules
from ._catalogue import all_checks as all_checks
from ._catalogue import checks_for as checks_for
from ._catalogue import checks_in as checks_in
from ._catalogue import get_check as get_check
from ._catalogue import load_module as load_module
from ._check import PROFILES as PROFILES
from ._check import VERDICTS as VERDICTS
from ._check import Check as Check
from ._check import Context as Context
from ._check import Perturbation as Perturbation
from ._check import Profile as Profile
from ._check import check as check
from ._experiment import Sizes as Sizes
from ._experiment import devices_used as devices_used
from ._experiment import experiment as experiment
from ._experiment import run_cache as run_cache
from ._experiment import scaled as scaled
from ._experiment import sizes_for as sizes_for
from ._experiment import transformed_results as transformed_results
from ._runner import Verdict as Verdict
from ._runner import run_check as run_check
from .rules import Comparison as Comparison

__all__ = ["PROFILES", "VERDICTS", "Check", "Comparison", "Context", "Perturbation", "Profile", "Sizes", "Verdict",
           "all_checks", "check", "checks_for", "checks_in", "devices_used", "experiment", "get_check", "load_module", "rules", "run_cache", "run_check", "scaled", "transformed_results",
           "sizes_for"]
