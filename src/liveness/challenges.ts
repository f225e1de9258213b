// Active liveness: detectors for server-issued challenges over per-frame signal samples, and a
// runner that plays a sequence one step at a time. Pure and DOM-free; time comes from the
// samples, never from a clock. One module per job, re-exported here:
// - baseline.ts: the per-frame sample, the person's neutral values, their checks and drift;
// - challenge-options.ts: the recognisers' thresholds and their defaults;
// - actions.ts: one state machine per action (blink, turns, open mouth, nod) over the samples;
// - detector.ts: one challenge step on its own; calibration.ts: the neutral values measured;
// - runner.ts: a whole sequence as challenge-response (pauses, prompts, reaction window);
// - evidence.ts: what a passed challenge proves, and its wire form for the sealed payload.
export { ActionRecogniser, isWrongAction, type ActionEvent } from './actions';
export { checkSample, type Baseline, type ChallengeSample } from './baseline';
export {
  BaselineCalibrator,
  DEFAULT_CALIBRATION_OPTIONS,
  type CalibrationOptions,
} from './calibration';
export { DEFAULT_CHALLENGE_OPTIONS, type ChallengeOptions } from './challenge-options';
export { ChallengeDetector, type DetectorState } from './detector';
export { toWireEvidence, type ChallengeEvidence } from './evidence';
export {
  ChallengeRunner,
  DEFAULT_RUNNER_OPTIONS,
  type FailReason,
  type RetryReason,
  type RunnerOptions,
  type RunnerState,
} from './runner';
