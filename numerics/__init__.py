"""theorycheck.numerics: PyTorch tasks, models, the one ensemble training loop and exact solvers.

Never imports sympy or theory/. Every stochastic function takes a seed.
"""

from ._device import resolve_device as resolve_device
from ._device import resolve_dtype as resolve_dtype
from ._fit import PRESETS as PRESETS
from ._fit import FitResult as FitResult
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
from ._linear_student import bayes_error as bayes_error
from ._linear_student import design_spectrum as design_spectrum
from ._linear_student import expected_flow_errors as expected_flow_errors
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
    "GammaFit", "LeastSquaresTask", "LinearStudent", "LuSizes", "TeacherData", "bayes_error", "design_spectrum",
    "expected_flow_errors", "fit_gamma", "gradient_flow_errors",
    "lu_sizes", "sample_contexts", "sample_tasks", "teacher_data",
    "FitResult", "FlowResult", "PRESETS", "ICLRegression", "LinearSelfAttention", "MCEstimate", "PopulationICL", "Prompts", "TrainConfig",
    "balanced_gradient_flow", "fit", "mc_risk", "population_grad", "population_risk", "random_rotation",
    "resolve_device", "resolve_dtype", "rotated_covariance",
]

# Two-layer networks of the feature-learning family (Collins, Ba, Demir-Dogan, Shi-Wei-Liang): models, tasks, measurements
from ._two_layer import FixedRegression as FixedRegression  # noqa: E402
from ._two_layer import HingeTask as HingeTask  # noqa: E402
from ._two_layer import MLPHead as MLPHead  # noqa: E402
from ._two_layer import MultitaskReLU as MultitaskReLU  # noqa: E402
from ._two_layer import OneStepStudent as OneStepStudent  # noqa: E402
from ._two_layer import SignTasks as SignTasks  # noqa: E402
from ._two_layer import SmoothTruncatedReLUNet as SmoothTruncatedReLUNet  # noqa: E402
from ._two_layer import activation as activation  # noqa: E402
from ._two_layer import normalize_rows as normalize_rows  # noqa: E402
from ._two_layer import out_of_span as out_of_span  # noqa: E402
from ._two_layer import principal_sines as principal_sines  # noqa: E402
from ._two_layer import ridge as ridge  # noqa: E402
from ._two_layer import smoothed_truncated_relu as smoothed_truncated_relu  # noqa: E402
from ._two_layer import top_left_singular as top_left_singular  # noqa: E402

__all__ += ["FixedRegression", "HingeTask", "MLPHead", "MultitaskReLU", "OneStepStudent", "SignTasks",
            "SmoothTruncatedReLUNet", "activation", "normalize_rows", "out_of_span", "principal_sines", "ridge",
            "smoothed_truncated_relu", "top_left_singular"]

# Training dynamics, collapse and transformers as algorithms (Tirer, Papyan, Tissue, Li, Tao, Cao 2025, He, Cao 2022)
from ._attention_algorithms import BNAttention as BNAttention  # noqa: E402
from ._attention_algorithms import BNTask as BNTask  # noqa: E402
from ._attention_algorithms import ClusteringInstances as ClusteringInstances  # noqa: E402
from ._attention_algorithms import ClusteringTask as ClusteringTask  # noqa: E402
from ._attention_algorithms import LinearAttentionStack as LinearAttentionStack  # noqa: E402
from ._attention_algorithms import OneNNAttention as OneNNAttention  # noqa: E402
from ._attention_algorithms import OneNNTask as OneNNTask  # noqa: E402
from ._attention_algorithms import StackOverInstances as StackOverInstances  # noqa: E402
from ._attention_algorithms import attention_prediction as attention_prediction  # noqa: E402
from ._attention_algorithms import chain_network as chain_network  # noqa: E402
from ._attention_algorithms import cluster_error as cluster_error  # noqa: E402
from ._attention_algorithms import count_attention as count_attention  # noqa: E402
from ._attention_algorithms import count_mle as count_mle  # noqa: E402
from ._attention_algorithms import gmm as gmm  # noqa: E402
from ._attention_algorithms import sample_chain as sample_chain  # noqa: E402
from ._attention_algorithms import sphere as sphere  # noqa: E402
from ._attention_algorithms import stack_scores as stack_scores  # noqa: E402
from ._benign import PatchCNN as PatchCNN  # noqa: E402
from ._benign import PatchTask as PatchTask  # noqa: E402
from ._benign import patch_data as patch_data  # noqa: E402
from ._collapse import UFM as UFM  # noqa: E402
from ._collapse import CentralPath as CentralPath  # noqa: E402
from ._collapse import CentralPathTask as CentralPathTask  # noqa: E402
from ._collapse import CollapseMLP as CollapseMLP  # noqa: E402
from ._collapse import GaussianClasses as GaussianClasses  # noqa: E402
from ._collapse import UFMTask as UFMTask  # noqa: E402
from ._collapse import central_objective as central_objective  # noqa: E402
from ._collapse import class_scatter as class_scatter  # noqa: E402
from ._collapse import nc_metrics as nc_metrics  # noqa: E402
from ._collapse import one_hot_blocks as one_hot_blocks  # noqa: E402
from ._collapse import perturbation_blocks as perturbation_blocks  # noqa: E402
from ._collapse import simplex_etf as simplex_etf  # noqa: E402
from ._collapse import ufm_objective as ufm_objective  # noqa: E402
from ._collapse import w_star as w_star  # noqa: E402
from ._optim_pp import AdaGradPP as AdaGradPP  # noqa: E402
from ._optim_pp import AdamPP as AdamPP  # noqa: E402
from ._optimisation_problems import LogisticProblem as LogisticProblem  # noqa: E402
from ._optimisation_problems import Point as Point  # noqa: E402
from ._optimisation_problems import SharpNoisyL1 as SharpNoisyL1  # noqa: E402
from ._schedules import NoisyRegression as NoisyRegression  # noqa: E402
from ._schedules import PowerLawRegression as PowerLawRegression  # noqa: E402
from ._schedules import areas as areas  # noqa: E402
from ._schedules import fit_annealing_law as fit_annealing_law  # noqa: E402
from ._schedules import lr_table as lr_table  # noqa: E402

__all__ += ["AdaGradPP", "AdamPP", "BNAttention", "BNTask", "CentralPath", "CentralPathTask", "ClusteringInstances",
            "ClusteringTask", "CollapseMLP", "GaussianClasses", "LinearAttentionStack", "LogisticProblem",
            "NoisyRegression", "OneNNAttention", "OneNNTask", "PatchCNN", "PatchTask", "Point", "PowerLawRegression",
            "SharpNoisyL1", "StackOverInstances", "UFM", "UFMTask", "areas", "attention_prediction", "central_objective",
            "chain_network", "class_scatter", "cluster_error", "count_attention", "count_mle", "fit_annealing_law",
            "gmm", "lr_table", "nc_metrics", "one_hot_blocks", "patch_data", "perturbation_blocks", "sample_chain",
            "simplex_etf", "sphere", "stack_scores", "ufm_objective", "w_star"]
