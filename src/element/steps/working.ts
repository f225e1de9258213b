import { html } from 'lit';
import type { StepContext } from './context';

/** Extracting and submitting: the camera is off (after extraction), a progress indicator runs. */
export function renderWorking(c: StepContext) {
  const { t, state } = c;
  const step = state.step === 'submitting' ? 'submitting' : 'extracting';
  return html`
    <section part="working" class="working" aria-busy="true">
      <h2 tabindex="-1" part="heading">${t(`${step}.heading`)}</h2>
      <div class="spinner" part="spinner" aria-hidden="true"></div>
      <p part="prompt" role="status" aria-live="polite">${t(`${step}.body`)}</p>
    </section>
  `;
}
