// Owns the consent workflow of one element: the policy version the person agrees to, the
// consent on file, recording an acceptance (locally and at the endpoint, before any capture),
// a decline, and withdrawal (stop everything, delete the server data, then the local data). The
// host renders the view fields and fires `fv-consent` from `onConsent`.

import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { assertCameraAvailable, type CameraError } from '../../capture/camera';
import type { Effects } from '../../flow/effects';
import type { ConsentGrant, Mode } from '../../flow/machine';
import type { ChallengeSet } from '../../protocol/payload';
import type { ConsentDetail } from '../events';
import { translator, type Lang, type Translation } from '../localize/localize';
import { policyVersionOf } from '../policy';
import type { FlowController } from './flow-controller';

/** What the consent depends on, read at call time from the host's properties. */
export interface ConsentConfig {
  endpoint: string;
  mode: Mode;
  /** As set on the host; consent records for `identify` carry no subject. */
  subject: string;
  requireGuardian: boolean;
  /** The declared `policy-version` (used when there is no policy text). */
  policyVersion: string;
  policyText: string;
  challengeSet: ChallengeSet;
  lang: Lang;
  strings: Partial<Translation>;
}

export interface ConsentControllerOptions {
  /** The loaded ports; throws while they are not loaded. */
  effects: () => Effects;
  /** The ports, loading them first when needed. */
  loadEffects: () => Promise<Effects>;
  flow: FlowController;
  config: () => ConsentConfig;
  /** A consent was accepted, declined or withdrawn: the host fires `fv-consent`. */
  onConsent: (detail: ConsentDetail) => void;
  /** Focus moves to the step heading at the next update. */
  focus: () => void;
  /** The consent ended without a capture (declined, withdrawn): drop what was preloaded. */
  release: () => void;
}

/** Each request to the endpoint gives up after this long. */
const ENDPOINT_TIMEOUT_MS = 15_000;

/** What the host renders. */
interface View {
  error: 'sensitive' | 'guardian' | null;
  policyVersion: string;
  onFile: boolean;
  withdrawStatus: 'ok' | 'partial' | null;
}

export class ConsentController implements ReactiveController {
  private readonly view: View = {
    error: null,
    policyVersion: '',
    onFile: false,
    withdrawStatus: null,
  };
  /** Guards against a double Accept recording two consents. */
  private accepting = false;
  /** The policy text the current version was computed for (undefined before the first). */
  private hashedText: string | undefined;

  constructor(
    private readonly host: ReactiveControllerHost & HTMLElement & { renderRoot: ParentNode },
    private readonly options: ConsentControllerOptions,
  ) {
    host.addController(this);
  }

  /** Which required box the person left unticked on Accept, or null. */
  get error(): View['error'] {
    return this.view.error;
  }
  set error(value: View['error']) {
    this.set('error', value);
  }

  /** The policy version shown and agreed to: the SHA-256 of the policy text, or the declared one. */
  get policyVersion(): string {
    return this.view.policyVersion;
  }

  /** Whether this person's consent to the current policy version is on file. */
  get onFile(): boolean {
    return this.view.onFile;
  }
  set onFile(value: boolean) {
    this.set('onFile', value);
  }

  /** The outcome of the last withdrawal (`partial`: the endpoint did not confirm), or null. */
  get withdrawStatus(): View['withdrawStatus'] {
    return this.view.withdrawStatus;
  }
  set withdrawStatus(value: View['withdrawStatus']) {
    this.set('withdrawStatus', value);
  }

  /** A changed policy text is a new policy version. */
  hostUpdated(): void {
    const { policyText } = this.options.config();
    if (policyText === this.hashedText) return;
    this.hashedText = policyText;
    void this.refreshPolicyVersion();
  }

  /** The consent on file for the current policy version, or null (never throws). */
  async stored(): Promise<ConsentGrant | null> {
    const version = await this.refreshPolicyVersion().catch(
      () => this.options.config().policyVersion,
    );
    try {
      const effects = await this.options.loadEffects();
      const { mode, subject, requireGuardian } = this.options.config();
      const grant = await effects.storage.getConsent(version, mode === 'identify' ? '' : subject);
      if (!grant) return null;
      if (requireGuardian && !grant.guardian) return null;
      if (!grant.purposes.includes(mode)) return null;
      return grant;
    } catch {
      return null;
    }
  }

  /** Accept on the consent form: checks the boxes, records the consent, lets the flow go on. */
  async accept(form: HTMLFormElement): Promise<void> {
    if (this.options.flow.state.step !== 'consent' || this.accepting) return;
    this.accepting = true;
    try {
      await this.recordAcceptance(form);
    } finally {
      this.accepting = false;
    }
  }

  decline(): void {
    const { flow, focus, release, config, onConsent } = this.options;
    if (flow.state.step !== 'consent') return;
    focus();
    release();
    flow.dispatch({ type: 'consent-declined' });
    onConsent({
      action: 'declined',
      policyVersion: this.policyVersion,
      mode: config().mode,
      sensitive: false,
      guardian: false,
    });
  }

  /** Shows the consent screen again (after a result, to review or withdraw). */
  review(): void {
    this.withdrawStatus = null;
    void this.refreshPolicyVersion();
    this.options.flow.dispatch({ type: 'review-consent' });
  }

  /**
   * Withdraws consent: stops everything, asks the endpoint to delete the subject's server data,
   * then deletes this widget's local data. Resolves to whether the endpoint confirmed.
   */
  async withdraw(): Promise<boolean> {
    const { flow, config, release } = this.options;
    const policyVersion = this.policyVersion;
    const grant = flow.state.consent;
    await flow.dispose();
    release();
    flow.dispatch({ type: 'withdrawn' });
    let serverDeleted = false;
    const effects = await this.options.loadEffects().catch(() => null);
    const { endpoint, subject } = config();
    if (effects && endpoint) {
      try {
        await withTimeout((signal) => effects.api(endpoint).withdraw(subject, signal));
        serverDeleted = true;
      } catch {
        serverDeleted = false;
      }
    }
    // Local data last: the device key signs the server-side withdrawal.
    await effects?.storage.clear().catch(() => undefined);
    this.onFile = false;
    this.withdrawStatus = serverDeleted ? 'ok' : 'partial';
    this.options.focus();
    this.options.onConsent({
      action: 'withdrawn',
      policyVersion,
      mode: config().mode,
      sensitive: grant?.sensitive ?? false,
      guardian: grant?.guardian ?? false,
      serverDeleted,
    });
    return serverDeleted;
  }

  /** Hashes the policy text the person reads (the slot, else `policyText`, else the built-in
   *  sentences) into the policy version; a changed text asks for consent again. */
  async refreshPolicyVersion(): Promise<string> {
    await this.host.updateComplete;
    const { mode, policyText, policyVersion, lang, strings } = this.options.config();
    const slot = this.host.renderRoot.querySelector<HTMLSlotElement>('slot[name="policy"]');
    const slotted = slot
      ? slot.assignedNodes({ flatten: true })
      : [...this.host.querySelectorAll('[slot="policy"]')];
    const slotText = slotted.map((n) => n.textContent ?? '').join('\n');
    const t = translator(lang, strings);
    const builtIn = [
      t('consent.intro'),
      t(`consent.purpose.${mode}`),
      t('consent.data.local'),
      t('consent.data.vector'),
      t('consent.data.result'),
      t('consent.data.retention'),
      t('consent.data.rights'),
      t('consent.sensitive'),
    ].join('\n');
    const version = await policyVersionOf({
      text: slotText.trim() || policyText.trim(),
      declared: policyVersion,
      builtIn,
    });
    this.set('policyVersion', version);
    return version;
  }

  private async recordAcceptance(form: HTMLFormElement): Promise<void> {
    const { flow, focus } = this.options;
    const config = this.options.config();
    const sensitive = form.querySelector<HTMLInputElement>('input[name="sensitive"]');
    const guardian = form.querySelector<HTMLInputElement>('input[name="guardian"]');
    if (!sensitive?.checked) {
      this.error = 'sensitive';
      sensitive?.focus();
      return;
    }
    if (config.requireGuardian && !guardian?.checked) {
      this.error = 'guardian';
      guardian?.focus();
      return;
    }
    this.error = null;
    focus();
    // A page that can never open the camera must not collect a consent it cannot use.
    try {
      assertCameraAvailable();
    } catch (error) {
      const e = error as CameraError;
      flow.dispatch({ type: 'fail', code: e.code, message: e.message });
      return;
    }
    const grant: ConsentGrant = {
      policyVersion: this.policyVersion || (await this.refreshPolicyVersion()),
      purposes: [config.mode],
      sensitive: true,
      guardian: config.requireGuardian && guardian?.checked === true,
      at: Date.now(),
    };
    const record = {
      ...grant,
      subject: config.mode === 'identify' ? '' : config.subject,
      mode: config.mode,
      outcome: 'accepted' as const,
      lang: config.lang,
      challengeSet: config.challengeSet,
    };
    focus();
    try {
      const effects = this.options.effects();
      // The person agreed: the record is kept locally and sent to the endpoint before capture.
      await effects.storage.putConsent(record);
      if (config.endpoint) {
        await withTimeout((signal) => effects.api(config.endpoint).recordConsent(record, signal));
      }
    } catch (error) {
      const code = error instanceof Error && 'code' in error ? String(error.code) : '';
      flow.dispatch({
        type: 'fail',
        code: code === 'storage-failed' ? 'storage-failed' : 'endpoint-unreachable',
        message: error instanceof Error ? error.message : String(error),
      });
      return;
    }
    this.onFile = true;
    this.options.onConsent({
      action: 'accepted',
      policyVersion: grant.policyVersion,
      mode: config.mode,
      sensitive: true,
      guardian: grant.guardian,
    });
    flow.dispatch({ type: 'consent-accepted', consent: grant });
  }

  /** Changes a view field and asks the host to render it, as `@state` would. */
  private set<K extends keyof View>(key: K, value: View[K]): void {
    if (this.view[key] === value) return;
    this.view[key] = value;
    this.host.requestUpdate();
  }
}

/** Runs `work` with a signal that aborts after ENDPOINT_TIMEOUT_MS. */
async function withTimeout<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), ENDPOINT_TIMEOUT_MS);
  try {
    return await work(ac.signal);
  } finally {
    clearTimeout(timer);
  }
}
