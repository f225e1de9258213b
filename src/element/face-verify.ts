import { LitElement, html, nothing, type PropertyValues } from 'lit';
import { property, state } from 'lit/decorators.js';
import type { Effects, EngineInfo, EngineOptions, EnginePort } from '../flow/effects';
import { WarmStart } from '../inference/warm-start';
import type { FlowState, Mode } from '../flow/machine';
import type { GrantSource } from '../api/client';
import type { ChallengeKind, ChallengeSet } from '../protocol/payload';
import { CameraController } from './controllers/camera-controller';
import { ConsentController } from './controllers/consent-controller';
import { FlowController } from './controllers/flow-controller';
import {
  FvConsentEvent,
  FvErrorEvent,
  FvProgressEvent,
  FvResultEvent,
  FvStepEvent,
} from './events';
import { styles } from './face-verify.styles';
import {
  resolveLang,
  translator,
  type Lang,
  type LangSetting,
  type Translation,
} from './localize/localize';
import { renderCapture } from './steps/capture';
import { renderConsent } from './steps/consent';
import type { StepContext } from './steps/context';
import {
  renderCancelled,
  renderDeclined,
  renderError,
  renderIdle,
  renderResult,
  renderWithdrawn,
} from './steps/final';
import { renderWorking } from './steps/working';

/**
 * Face verification in the browser: consent, camera, live quality guidance, active liveness
 * prompts in a server-issued random order, in-browser embedding and a sealed, signed submission.
 * No frame, image or landmark set leaves the page; only an encrypted feature vector is sent.
 *
 * `multi-face` (with `mode="identify"`, M:N): several people may be in view; each distinct face
 * of the best frame is searched and `fv-result`'s `faces` lists them, primary (largest) first.
 * Only the primary face performs the liveness actions; the other faces are covered by the
 * passive anti-spoof check alone.
 *
 * @tagname face-verify
 * @summary Drop-in face enrolment / verification / identification with consent and liveness.
 *
 * @slot policy - Your privacy policy text. Its SHA-256 becomes the consent's policy version; a
 *   changed text asks for consent again.
 * @slot alternative - Another way to verify (e.g. a link to SMS or an agent), shown after a
 *   decline, a failure or an error.
 *
 * @csspart consent - The consent form.
 * @csspart purposes - The purpose sentence on the consent screen.
 * @csspart data-list - The list of processed data on the consent screen.
 * @csspart policy - The collapsible policy section.
 * @csspart sensitive - The separate sensitive-data checkbox row.
 * @csspart guardian - The guardian confirmation row (with `require-guardian`).
 * @csspart heading - The heading of every step (focused when the step changes).
 * @csspart button - Every button; also `accept`, `decline`, `start`, `cancel`, `retry`,
 *   `review`, `withdraw`.
 * @csspart capture - The camera step container.
 * @csspart stage - The preview box holding the video and the face guide.
 * @csspart video - The mirrored camera preview.
 * @csspart guide - The oval face guide drawn over the preview.
 * @csspart prompt - The live (aria-live) prompt text.
 * @csspart progress - The model-loading progress bar.
 * @csspart challenge-progress - "Step n of m" during the liveness prompts.
 * @csspart steps - The step indicator during the liveness prompts.
 * @csspart camera-select - The camera chooser (shown with more than one camera).
 * @csspart working - The extracting / submitting container.
 * @csspart spinner - The busy indicator.
 * @csspart result - The result container (`data-decision` = match | no-match | enrolled).
 * @csspart score - The similarity score line.
 * @csspart faces - The list of searched faces on an M:N (`multi-face`) result.
 * @csspart face - One face in that list (`data-subject` = its match, empty when none).
 * @csspart error - The error container (`data-code` = the stable error code).
 * @csspart reason - The human reason on the error screen.
 * @csspart declined - The screen after Decline.
 * @csspart cancelled - The screen after Cancel.
 * @csspart withdrawn - The screen after consent was withdrawn.
 * @csspart idle - The start screen (with `manual`, or when consent is already on file).
 * @csspart alternative - Wrapper of the `alternative` slot.
 *
 * @cssproperty --fv-font-family - Font stack.
 * @cssproperty --fv-color-bg - Background colour.
 * @cssproperty --fv-color-surface - Background of checkboxes, policy and step indicator.
 * @cssproperty --fv-color-text - Text colour.
 * @cssproperty --fv-color-muted - Secondary text colour.
 * @cssproperty --fv-color-accent - Primary buttons, focus and progress.
 * @cssproperty --fv-color-on-accent - Text on the accent colour.
 * @cssproperty --fv-color-success - Match colour.
 * @cssproperty --fv-color-danger - Failure and error colour.
 * @cssproperty --fv-color-guide - Stroke of the face guide before a good frame.
 * @cssproperty --fv-color-focus - Focus ring colour.
 * @cssproperty --fv-radius - Corner radius.
 * @cssproperty --fv-max-width - Maximum width of the element.
 * @cssproperty --fv-transition - Transition timing (0s under prefers-reduced-motion).
 *
 * @fires {FvConsentEvent} fv-consent - Consent accepted, declined or withdrawn.
 * @fires {FvStepEvent} fv-step - The step changed; `detail.challenge` names the action asked.
 * @fires {FvProgressEvent} fv-progress - Model loading, extraction or submission progress.
 * @fires {FvResultEvent} fv-result - Decision, score and session id (never a vector).
 * @fires {FvErrorEvent} fv-error - A stable error code and a technical message.
 */
export class FaceVerify extends LitElement {
  static override styles = styles;
  static override shadowRootOptions = { ...LitElement.shadowRootOptions, delegatesFocus: false };

  /** Base URL of the verification endpoint (e.g. `https://example.com/fv`). */
  @property() endpoint = '';
  /** What the check does: `enroll` a subject, `verify` a subject 1:1, or `identify` 1:N. */
  @property() mode: Mode = 'verify';
  /** Subject id for enroll / verify / add-device (and the scope of consent withdrawal). */
  @property() subject = '';
  /**
   * A host grant for one session, minted by your backend (`mintGrant` from
   * `face-verify/server`) for this mode and subject. Grants are single use: to allow retries and
   * data-rights requests, set `getGrant` instead.
   */
  @property() grant = '';
  /**
   * Asked for a fresh host grant before every session (start, each retry, withdrawal). Typically
   * a `fetch` to your backend, which checks who is signed in and calls `mintGrant`:
   * `grantFrom('/your/grant-route')` (from `face-verify`) is that fetch.
   */
  @property({ attribute: false }) getGrant: GrantSource | null = null;
  /** `zh-CN`, `en`, or `auto` (from the browser's languages). */
  @property() override lang: LangSetting = 'auto';
  /** Inference backend: `auto` (WebGPU if available, else WASM), `webgpu` or `wasm`. */
  @property() backend: 'auto' | 'webgpu' | 'wasm' = 'auto';
  /** Number of liveness actions requested from the endpoint (it decides; at least 3). */
  @property({ type: Number }) challenges = 3;
  /** Policy version used when no policy text is given; with text, its SHA-256 is used. */
  @property({ attribute: 'policy-version' }) policyVersion = '';
  /** Ask for a parent/guardian confirmation on the consent screen (under-14 users). */
  @property({ attribute: 'require-guardian', type: Boolean }) requireGuardian = false;
  /** Tell the endpoint to bind the subject to this device's key at enrolment. */
  @property({ attribute: 'device-binding', type: Boolean }) deviceBinding = false;
  /** Where `models/` and `runtime/` are served from. Defaults to the page origin's root. */
  @property({ attribute: 'asset-base' }) assetBase = '/';
  /** Wait for `start()` instead of showing the consent screen on connect. */
  @property({ type: Boolean }) manual = false;
  /**
   * Which liveness actions to ask for: `standard` (blink, turns, open mouth) or `head` (turns
   * and a nod, for people who cannot blink or open their mouth on request). Sent to the
   * endpoint with the session request; the host's grant decides.
   */
  @property({ attribute: 'challenge-set' }) challengeSet: ChallengeSet = 'standard';
  /** Seconds allowed for each prompted action to be completed before it is asked again. */
  @property({ attribute: 'challenge-timeout', type: Number }) challengeTimeout = 8;
  /**
   * Tries per session: a missed prompt (no response within the reaction window) uses one and is
   * asked again; a different or premature action fails the check at once.
   */
  @property({ attribute: 'challenge-attempts', type: Number }) challengeAttempts = 3;
  /**
   * M:N, with `mode="identify"` only: other people in view do not stop the check, and every
   * distinct face of the best frame (up to 10) is searched; `fv-result` lists each in `faces`.
   * Only the primary (largest) face performs the liveness actions; the others are checked by
   * the passive anti-spoof model alone (the lowest score of all faces decides).
   */
  @property({ attribute: 'multi-face', type: Boolean }) multiFace = false;

  /** Policy text as a property (the `policy` slot takes precedence). */
  @property({ attribute: false }) policyText = '';
  /** Overrides for any built-in string, e.g. `{ 'consent.accept': 'I agree' }`. */
  @property({ attribute: false }) strings: Partial<Translation> = {};
  /** The ports the flow uses. Defaults to the real engine, endpoint client and IndexedDB. */
  @property({ attribute: false }) effects: Effects | null = null;

  /** False while an automatic start is still deciding between consent and Start. */
  @state() private idleReady = false;

  private readonly camera = new CameraController(this, {
    load: () => this.resolveEffects().then((e) => e.storage.getCamera()),
    save: (id) => this.resolveEffects().then((e) => e.storage.setCamera(id)),
  });
  private readonly flow = new FlowController(this, {
    effects: () => this.requireEffects(),
    camera: this.camera,
    config: () => ({
      endpoint: this.endpoint,
      mode: this.mode,
      subject: this.mode === 'identify' ? '' : this.subject,
      assetBase: this.assetBase,
      backend: this.backend,
      challengeTimeoutMs: Math.max(1, this.challengeTimeout) * 1000,
      challengeAttempts: Math.max(1, Math.round(this.challengeAttempts)),
      challengeCount: Math.max(1, Math.round(this.challenges)),
      challengeSet: this.challengeSet,
      deviceBinding: this.deviceBinding,
      multiFace: this.multiFace,
    }),
    onTransition: (prev, next) => this.onTransition(prev, next),
  });
  private readonly consent = new ConsentController(this, {
    effects: () => this.requireEffects(),
    loadEffects: () => this.resolveEffects(),
    flow: this.flow,
    config: () => ({
      endpoint: this.endpoint,
      mode: this.mode,
      subject: this.subject,
      requireGuardian: this.requireGuardian,
      policyVersion: this.policyVersion,
      policyText: this.policyText,
      challengeSet: this.challengeSet,
      lang: this.language,
      strings: this.strings,
    }),
    onConsent: (detail) => this.dispatchEvent(new FvConsentEvent(detail)),
    focus: () => (this.focusOnUpdate = true),
    release: () => this.warm?.drop(),
  });
  private loadedEffects: Effects | null = null;
  /** The default engine, loading while the consent screen is read (src/inference/warm-start.ts). */
  private warm: WarmStart<EnginePort, EngineOptions['backend']> | null = null;
  private focusOnUpdate = false;
  private startToken = 0;

  /** The current step (also reflected as the `step` attribute). */
  get step(): FlowState['step'] {
    return this.flow.state.step;
  }

  /** The liveness action being asked for, or null (also reflected as `challenge`). */
  get currentChallenge(): string | null {
    return askedChallenge(this.flow.state);
  }

  /** Backend, thread count and model id of the loaded inference engine, or null before load. */
  get engineInfo(): Readonly<EngineInfo> | null {
    return this.flow.engineInfo;
  }

  /** A read-only snapshot of the flow state (no personal data in it). */
  get flowState(): Readonly<FlowState> {
    return this.flow.state;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.setAttribute('step', this.flow.state.step);
    this.idleReady = this.manual;
    if (!this.manual) void this.start({ focus: false });
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    // Controllers stop the camera and terminate the worker; a later reconnect starts afresh.
    this.flow.dispatch({ type: 'reset' });
    this.warm?.drop();
  }

  /**
   * Begins (or resumes) the flow: the consent screen, or straight to the camera when this
   * person already consented to the current policy version. Nothing is collected before that.
   */
  async start(options: { focus?: boolean } = {}): Promise<void> {
    const token = ++this.startToken;
    const stored = await this.consent.stored();
    if (token !== this.startToken || !this.isConnected) return;
    this.consent.onFile = stored !== null;
    // On connect with consent on file we still wait for a click before opening the camera.
    if (stored && options.focus === false) {
      this.idleReady = true;
      this.warmStart();
      return;
    }
    this.focusOnUpdate = options.focus !== false;
    this.consent.withdrawStatus = null;
    this.flow.dispatch({ type: 'start', mode: this.mode, consent: stored });
  }

  /** Stops the camera and any work in progress; shows the cancelled screen. */
  cancel(): void {
    this.focusOnUpdate = true;
    this.flow.dispatch({ type: 'cancel' });
  }

  /** Back to the initial state (camera off, nothing in flight). */
  reset(): void {
    this.startToken++;
    this.flow.dispatch({ type: 'reset' });
    this.idleReady = this.manual;
    if (!this.manual && this.isConnected) void this.start({ focus: false });
  }

  /**
   * Withdraws consent: stops everything, deletes this widget's local data (consent records,
   * device key, camera choice) and asks the endpoint to delete the subject's server data.
   * Resolves to whether the endpoint confirmed the deletion.
   */
  async withdrawConsent(): Promise<boolean> {
    this.startToken++;
    return this.consent.withdraw();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('mode') && this.flow.state.step === 'idle') {
      this.flow.state = { ...this.flow.state, mode: this.mode };
    }
  }

  protected override updated(changed: PropertyValues<this>): void {
    super.updated(changed);
    const s = this.flow.state;
    this.setAttribute('step', s.step);
    const challenge = this.currentChallenge;
    if (challenge) {
      this.setAttribute('challenge', challenge);
      this.setAttribute('challenge-index', String(s.challenge?.index ?? 0));
    } else {
      this.removeAttribute('challenge');
      this.removeAttribute('challenge-index');
    }
    this.setAttribute('aria-busy', String(s.step === 'extracting' || s.step === 'submitting'));
    if (this.focusOnUpdate) {
      this.focusOnUpdate = false;
      this.renderRoot.querySelector<HTMLElement>('h2[tabindex="-1"]')?.focus();
    }
  }

  private get language(): Lang {
    return resolveLang(this.lang, navigator.languages ?? [navigator.language]);
  }

  override render() {
    const lang = this.language;
    const t = translator(lang, this.strings);
    const ctx: StepContext = {
      t,
      state: this.flow.state,
      policyVersion: this.consent.policyVersion,
      policyText: this.policyText,
      requireGuardian: this.requireGuardian,
      consentError: this.consent.error,
      hasStoredConsent: this.consent.onFile,
      idleReady: this.idleReady,
      video: this.camera.video,
      devices: this.camera.devices,
      deviceId: this.camera.deviceId,
      withdrawStatus: this.consent.withdrawStatus,
      onStart: () => void this.start(),
      onAccept: (e) => {
        e.preventDefault();
        void this.consent.accept(e.currentTarget as HTMLFormElement);
      },
      onDecline: () => this.consent.decline(),
      onCancel: () => this.cancel(),
      onRetry: () => this.retry(),
      onReviewConsent: () => this.reviewConsent(),
      onWithdraw: () => void this.withdrawConsent(),
      onSelectCamera: (e) => void this.selectCamera(e),
    };
    return html`<div lang=${lang} class="root" part="root">${this.renderStep(ctx)}</div>`;
  }

  private renderStep(c: StepContext) {
    switch (c.state.step) {
      case 'idle':
        return renderIdle(c);
      case 'consent':
        return renderConsent(c);
      case 'permission':
      case 'camera':
      case 'guidance':
      case 'challenges':
        return renderCapture(c);
      case 'extracting':
      case 'submitting':
        return renderWorking(c);
      case 'result':
        return renderResult(c);
      case 'declined':
        return renderDeclined(c);
      case 'cancelled':
        return renderCancelled(c);
      case 'withdrawn':
        return renderWithdrawn(c);
      case 'error':
        return renderError(c);
    }
    return nothing;
  }

  private onTransition(prev: FlowState, next: FlowState): void {
    const stepChanged = prev.step !== next.step;
    if (stepChanged && next.step === 'consent') this.warmStart();
    if (stepChanged) {
      // Step changes the person caused, or that need their attention, move focus to the heading.
      if (prev.step !== 'idle' || this.focusOnUpdate) this.focusOnUpdate = true;
      this.consent.error = null;
    }
    // A new challenge, or a new attempt at the same one, is reported like a step change.
    const challengeChanged =
      next.step === 'challenges' &&
      (prev.challenge?.index !== next.challenge?.index ||
        prev.challenge?.attempt !== next.challenge?.attempt ||
        askedChallenge(prev) !== askedChallenge(next));
    if (stepChanged || challengeChanged) {
      const challenge = askedChallenge(next);
      this.dispatchEvent(
        new FvStepEvent({
          step: next.step,
          previous: prev.step,
          challenge,
          challengeIndex: challenge ? (next.challenge?.index ?? null) : null,
          challengeCount: next.session?.challenges.length ?? null,
        }),
      );
    }
    if (next.progress && next.progress !== prev.progress) {
      this.dispatchEvent(new FvProgressEvent({ ...next.progress }));
    }
    if (next.step === 'result' && prev.step !== 'result' && next.result) {
      const r = next.result;
      this.dispatchEvent(
        new FvResultEvent({
          mode: next.mode,
          decision: r.decision,
          score: r.score,
          threshold: r.threshold,
          sessionId: r.sessionId,
          subject: r.subject,
          candidates: r.candidates.map((c) => ({ subject: c.subject, score: c.score })),
          reason: r.reason,
          faces: (r.faces ?? []).map((f) => ({
            subject: f.subject,
            score: f.score,
            candidates: f.candidates.map((c) => ({ subject: c.subject, score: c.score })),
          })),
          backend: this.flow.engineInfo?.backend ?? null,
          threads: this.flow.engineInfo?.threads ?? null,
          signed: r.signed ?? null,
        }),
      );
    }
    if (next.step === 'error' && prev.step !== 'error' && next.error) {
      this.dispatchEvent(
        new FvErrorEvent({
          code: next.error.code,
          message: next.error.message,
          step: next.error.during,
        }),
      );
    }
  }

  private retry(): void {
    this.focusOnUpdate = true;
    this.flow.dispatch({ type: 'retry' });
  }

  private reviewConsent(): void {
    this.focusOnUpdate = true;
    this.consent.review();
  }

  private async selectCamera(e: Event): Promise<void> {
    const id = (e.target as HTMLSelectElement).value;
    const ac = new AbortController();
    try {
      await this.camera.select(id, ac.signal);
    } catch (error) {
      this.flow.dispatch({
        type: 'fail',
        code: 'camera-in-use',
        message: error instanceof Error ? error.message : String(error),
      });
    }
  }

  private async resolveEffects(): Promise<Effects> {
    if (this.effects) return this.effects;
    if (!this.loadedEffects) {
      const { defaultEffects } = await import('../pipeline/adapters');
      // Read at call time, so a host may set or change the grant source after the element loaded.
      const effects = defaultEffects(async (request) => {
        if (this.getGrant) return this.getGrant(request);
        return this.grant || undefined;
      });
      const warm = (this.warm ??= new WarmStart((o) => effects.engine(o)));
      this.loadedEffects = { ...effects, engine: (o) => warm.take(o) };
    }
    return this.loadedEffects;
  }

  /**
   * Starts loading the static models and runtimes while the person reads the consent screen (or
   * looks at Start): no camera, no endpoint request, nothing stored. Only with the default
   * effects: a host's own engine is its business.
   */
  private warmStart(): void {
    // An engine the flow already loaded (a second run) needs no second one.
    if (this.effects || !this.loadedEffects || !this.warm || this.flow.engineInfo) return;
    this.warm.start(this.assetBase, this.backend);
  }

  private requireEffects(): Effects {
    const e = this.effects ?? this.loadedEffects;
    if (!e) throw new Error('effects not loaded');
    return e;
  }
}

/** The action the person is being asked to perform now (null while calibrating or before a
 * prompt: the moment of a prompt is part of the liveness check and must not show early). */
function askedChallenge(s: FlowState): ChallengeKind | null {
  if (s.step !== 'challenges' || !s.challenge) return null;
  if (s.challenge.status === 'calibrating' || s.challenge.status === 'waiting') return null;
  return s.challenge.kind;
}
