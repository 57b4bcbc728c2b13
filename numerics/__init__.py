"""theorycheck.numerics: PyTorch tasks, models, the one ensemble training loop and exact solvers.

Never imports sympy or theory/. Every stochastic function takes a seed.
"""

from ._device import resolve_device as resolve_device
from ._device import resolve_dtype as resolve_dtype
from ._fit import FitResult as FitResult
from ._fit import PRESETS as PRESETS
from ._fit import TrainConfig as TrainConfig
from ._fit import fit as fit
from ._icl_task import ICLRegression as ICLRegression
from ._icl_task import PopulationICL as PopulationICL
from ._icl_task import Prompts as Prompts
from ._icl_task import random_rotation as random_rotation
from ._icl_task import rotated_covariance as rotated_covariance
from ._linear_student import LeastSquaresTask as LeastSquaresTask
from ._linear_student import LinearStudent as LinearStudent
from ._linear_student import TeacherData as TeacherData
from ._linear_student import gradient_flow_errors as gradient_flow_errors
from ._linear_student import teacher_data as teacher_data
from ._lsa import LinearSelfAttention as LinearSelfAttention
from ._lu_icl import GammaFit as GammaFit
from ._lu_icl import LuSizes as LuSizes
from ._lu_icl import fit_gamma as fit_gamma
from ._lu_icl import lu_sizes as lu_sizes
from ._lu_icl import sample_contexts as sample_contexts
from ._lu_icl import sample_tasks as sample_tasks
from ._montecarlo import MCEstimate as MCEstimate
from ._montecarlo import mc_risk as mc_risk
from ._population import FlowResult as FlowResult
from ._population import balanced_gradient_flow as balanced_gradient_flow
from ._population import population_grad as population_grad
from ._population import population_risk as population_risk

__all__ = [
    "GammaFit", "LeastSquaresTask", "LinearStudent", "LuSizes", "TeacherData", "fit_gamma", "gradient_flow_errors",
    "lu_sizes", "sample_contexts", "sample_tasks", "teacher_data",
    "FitResult", "FlowResult", "PRESETS", "ICLRegression", "LinearSelfAttention", "MCEstimate", "PopulationICL", "Prompts", "TrainConfig",
    "balanced_gradient_flow", "fit", "mc_risk", "population_grad", "population_risk", "random_rotation",
    "resolve_device", "resolve_dtype", "rotated_covariance",
]
