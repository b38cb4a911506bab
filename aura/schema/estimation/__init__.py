"""Estimation domain contract: task executions with time tracking and factors, the
estimation patterns learned from them, the factor catalogue, the accuracy and trend
views, and the recommended estimate.

One module per concept; this package re-exports every type, so other modules (and
``lazy`` references) name ``aura.schema.estimation``. Importing it adds the estimation
fields to ``Project`` and ``Task`` (``extends``).
"""

from __future__ import annotations

from aura.schema.estimation import extends as extends
from aura.schema.estimation.executions import (
    CreateTaskExecutionInput,
    TaskExecution,
    TaskExecutionFilter,
    TaskExecutionOrderBy,
    TaskExecutionOrderField,
    UpdateTaskExecutionInput,
)
from aura.schema.estimation.factors import (
    CreateEstimationFactorInput,
    CreateTaskExecutionFactorInput,
    EstimationFactor,
    EstimationFactorFilter,
    EstimationFactorOrderBy,
    EstimationFactorOrderField,
    TaskExecutionFactor,
    TaskExecutionFactorFilter,
    TaskExecutionFactorOrderBy,
    TaskExecutionFactorOrderField,
    UpdateEstimationFactorInput,
    UpdateTaskExecutionFactorInput,
)
from aura.schema.estimation.patterns import (
    CreateEstimationPatternInput,
    EstimationPattern,
    EstimationPatternFilter,
    EstimationPatternOrderBy,
    EstimationPatternOrderField,
    UpdateEstimationPatternInput,
)
from aura.schema.estimation.sessions import (
    TimeTrackingSession,
    TimeTrackingSessionFilter,
    TimeTrackingSessionOrderBy,
    TimeTrackingSessionOrderField,
    UpdateTimeTrackingSessionInput,
)
from aura.schema.estimation.shared import (
    EstimateBasis,
    ExecutionStatus,
    FactorImpactType,
    TaskComplexity,
)
from aura.schema.estimation.views import (
    EstimationAccuracy,
    EstimationAccuracyFilter,
    EstimationAccuracyOrderBy,
    EstimationAccuracyOrderField,
    RecommendedEstimate,
    TaskPerformanceTrend,
    TaskPerformanceTrendFilter,
    TaskPerformanceTrendOrderBy,
    TaskPerformanceTrendOrderField,
)

__all__ = [
    "CreateEstimationFactorInput",
    "CreateEstimationPatternInput",
    "CreateTaskExecutionFactorInput",
    "CreateTaskExecutionInput",
    "EstimateBasis",
    "EstimationAccuracy",
    "EstimationAccuracyFilter",
    "EstimationAccuracyOrderBy",
    "EstimationAccuracyOrderField",
    "EstimationFactor",
    "EstimationFactorFilter",
    "EstimationFactorOrderBy",
    "EstimationFactorOrderField",
    "EstimationPattern",
    "EstimationPatternFilter",
    "EstimationPatternOrderBy",
    "EstimationPatternOrderField",
    "ExecutionStatus",
    "FactorImpactType",
    "RecommendedEstimate",
    "TaskComplexity",
    "TaskExecution",
    "TaskExecutionFactor",
    "TaskExecutionFactorFilter",
    "TaskExecutionFactorOrderBy",
    "TaskExecutionFactorOrderField",
    "TaskExecutionFilter",
    "TaskExecutionOrderBy",
    "TaskExecutionOrderField",
    "TaskPerformanceTrend",
    "TaskPerformanceTrendFilter",
    "TaskPerformanceTrendOrderBy",
    "TaskPerformanceTrendOrderField",
    "TimeTrackingSession",
    "TimeTrackingSessionFilter",
    "TimeTrackingSessionOrderBy",
    "TimeTrackingSessionOrderField",
    "UpdateEstimationFactorInput",
    "UpdateEstimationPatternInput",
    "UpdateTaskExecutionFactorInput",
    "UpdateTaskExecutionInput",
    "UpdateTimeTrackingSessionInput",
]
