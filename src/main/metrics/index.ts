/**
 * Sample-quality and collapse metrics computed locally with the engine. Image sets are measured in
 * the feature space of a per-dataset classifier (Fréchet distance, precision and recall, class
 * histogram), and the 2-D toy sets against their known modes. Every set gets D accuracy and a
 * diversity score, and health warnings are derived from all of them.
 */
export { Evaluator, decisionThreshold, type EvaluationTarget, type EvaluatorNote, type EvaluatorOptions } from './evaluator'
export { healthWarnings, HEALTH_THRESHOLDS, type HealthCode, type HealthSeverity, type HealthWarning } from './health'
export {
  METRICS, CLASS_SHARE_PREFIX, metricLabel, classShares, isEvaluation,
  type EvaluationMetrics, type MetricDescription, type MetricKey,
} from './names'
export { latestEvaluation, evaluationSummary, runHealth, type StoredEvaluation, type EvaluationSummary } from './stored'
export { loadOrTrainClassifier, ClassifierUnavailableError, IMAGE_EVALUATION_SAMPLES, type ReadyClassifier } from './classifier-setup'
export { frechetDistance, featureStatistics, type FeatureMatrix, type GaussianStatistics } from './linalg'
export { precisionRecall, meanPairwiseDistance, kNearestRadii } from './feature-space'
export { modeCoverage, histogram2d, gridFor, klDivergence, jsDivergence } from './points'
