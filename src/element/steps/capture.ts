import { html, nothing } from 'lit';
import type { StepContext } from './context';
import { isChallengeKind } from '../../protocol/payload';

const HEADINGS = {
  permission: 'permission.heading',
  camera: 'camera.heading',
  guidance: 'guidance.heading',
  challenges: 'challenges.heading',
} as const;

/** Permission, camera, guidance and challenges share one stage so the <video> is never rebuilt. */
export function renderCapture(c: StepContext) {
  const { t, state } = c;
  const step = state.step as keyof typeof HEADINGS;
  const ok = step === 'guidance' && state.guidance.length === 0 && state.steady > 0;
  return html`
    <section part="capture" class="capture">
      <h2 tabindex="-1" part="heading">${t(HEADINGS[step])}</h2>
      <div class="stage" part="stage">
        ${c.video}
        <svg class="guide ${ok ? 'ok' : ''}" part="guide" viewBox="0 0 400 300" aria-hidden="true">
          <ellipse cx="200" cy="145" rx="85" ry="112"></ellipse>
        </svg>
      </div>
      ${step === 'challenges' ? renderSteps(c) : nothing}
      <p class="prompt" part="prompt" role="status" aria-live="polite" aria-atomic="true">
        ${prompt(c)}
      </p>
      ${
        state.progress && (step === 'camera' || step === 'permission')
          ? renderProgress(c.t('camera.loading'), state.progress.value)
          : nothing
      }
      ${
        c.devices.length > 1
          ? html`<label class="inline" part="camera-select">
              ${t('camera.select')}
              <select @change=${c.onSelectCamera}>
                ${c.devices.map(
                  (d, i) =>
                    html`<option value=${d.deviceId} ?selected=${d.deviceId === c.deviceId}>
                      ${d.label || `${t('camera.select')} ${i + 1}`}
                    </option>`,
                )}
              </select>
            </label>`
          : nothing
      }
      <div class="actions">
        <button type="button" part="button cancel" @click=${c.onCancel}>${t('cancel')}</button>
      </div>
    </section>
  `;
}

function prompt(c: StepContext): string {
  const { t, state } = c;
  switch (state.step) {
    case 'permission':
      return t('permission.body');
    case 'camera':
      return t('camera.loading');
    case 'guidance': {
      const first = state.guidance[0];
      if (first) return t(`guidance.${first}`);
      return state.steady > 0 ? t('guidance.ok') : t('guidance.hold');
    }
    case 'challenges': {
      const ch = state.challenge;
      if (!ch) return '';
      if (ch.status === 'calibrating') return t('guidance.hold');
      // Typed, but from the network: a newer server may name a kind this build cannot prompt.
      const action = isChallengeKind(ch.kind)
        ? t(`challenge.${ch.kind}`)
        : t('challenge.other', { kind: String(ch.kind) });
      // The next action is announced during the random pause; "Now" is the go signal, whose
      // unpredictable moment is what a replayed recording cannot follow.
      if (ch.status === 'waiting') return t('challenge.next', { action });
      const now = t('challenge.now', { action });
      if (ch.status === 'wrong') return `${t('challenge.wrong')} ${now}`;
      if (ch.status === 'timeout') return `${t('challenge.timeout')} ${now}`;
      if (ch.status === 'late') return `${t('challenge.late')} ${now}`;
      if (ch.status === 'early') return `${t('challenge.early')} ${now}`;
      return now;
    }
    default:
      return '';
  }
}

function renderSteps(c: StepContext) {
  const total = c.state.session?.challenges.length ?? 0;
  const index = c.state.challenge?.index ?? 0;
  const label = c.t('challenges.progress', { index: index + 1, total });
  return html`
    <p class="muted" part="challenge-progress">${label}</p>
    <ol class="steps" part="steps" aria-hidden="true">
      ${Array.from(
        { length: total },
        (_, i) =>
          html`<li data-state=${i < index ? 'done' : i === index ? 'current' : 'todo'}></li>`,
      )}
    </ol>
  `;
}

/** Indeterminate when the value is unknown: a <progress> without a value attribute. */
function renderProgress(label: string, value: number | null) {
  return value === null
    ? html`<progress part="progress" aria-label=${label}></progress>`
    : html`<progress part="progress" aria-label=${label} max="1" .value=${value}></progress>`;
}
