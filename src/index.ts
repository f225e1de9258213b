// Public entry: exports only. Import 'face-verify/define' (src/define.ts) to register the tag.

export { FaceVerify } from './element/face-verify';
export {
  FvConsentEvent,
  FvErrorEvent,
  FvProgressEvent,
  FvResultEvent,
  FvStepEvent,
  type ConsentDetail,
  type ErrorDetail,
  type ProgressDetail,
  type ResultDetail,
  type StepDetail,
} from './element/events';
export type { Lang, LangSetting, Translation, TranslationKey } from './element/localize/localize';
export type { ChallengeKind } from './protocol/payload';
export type {
  FlowErrorCode,
  FlowResult,
  FlowState,
  GuidanceCode,
  Mode,
  Step,
} from './flow/machine';
export type { Effects } from './flow/effects';
export { probeCapabilities, type Capabilities } from './env';
export { grantFrom } from './api/grant';
export type { GrantRequest, GrantSource } from './api/client';
