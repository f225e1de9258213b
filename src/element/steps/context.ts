import type { FlowState } from '../../flow/machine';
import type { CameraDevice } from '../../capture/camera';
import type { Translate } from '../localize/localize';

/** What a step's render function may read and call; steps hold no state of their own. */
export interface StepContext {
  t: Translate;
  state: FlowState;
  policyVersion: string;
  /** Host-supplied policy text (property), rendered as text; the `policy` slot wins if used. */
  policyText: string;
  requireGuardian: boolean;
  consentError: 'sensitive' | 'guardian' | null;
  hasStoredConsent: boolean;
  /** Idle shows its Start button only once it is known the flow will wait for it. */
  idleReady: boolean;
  video: HTMLVideoElement;
  devices: readonly CameraDevice[];
  deviceId: string | null;
  withdrawStatus: 'ok' | 'partial' | null;
  onStart: () => void;
  onAccept: (e: Event) => void;
  onDecline: () => void;
  onCancel: () => void;
  onRetry: () => void;
  onReviewConsent: () => void;
  onWithdraw: () => void;
  onSelectCamera: (e: Event) => void;
}
