import { css } from 'lit';

// Colours are chosen for WCAG AA (≥ 4.5:1) on the default background; hosts override the
// custom properties below and style internals through ::part().
export const styles = css`
  :host {
    --fv-font-family: var(--fv-token-font, system-ui, -apple-system, 'Segoe UI', sans-serif);
    --fv-color-bg: #ffffff;
    --fv-color-surface: #f4f5f7;
    --fv-color-text: #1b1c1f;
    --fv-color-muted: #4a4d55;
    --fv-color-accent: #0b57d0;
    --fv-color-on-accent: #ffffff;
    --fv-color-success: #146c2e;
    --fv-color-danger: #b3261e;
    --fv-color-guide: #ffffff;
    --fv-color-focus: #0b57d0;
    --fv-radius: 12px;
    --fv-max-width: 30rem;
    --fv-transition: 200ms ease;

    display: block;
    box-sizing: border-box;
    max-width: var(--fv-max-width);
    padding: 1rem;
    border-radius: var(--fv-radius);
    background: var(--fv-color-bg);
    color: var(--fv-color-text);
    font-family: var(--fv-font-family);
    line-height: 1.5;
  }
  :host([hidden]) {
    display: none;
  }
  *,
  *::before,
  *::after {
    box-sizing: inherit;
  }
  h2 {
    margin: 0 0 0.5rem;
    font-size: 1.25rem;
  }
  h3 {
    margin: 1rem 0 0.25rem;
    font-size: 1rem;
  }
  h2:focus {
    outline: none;
  }
  h2:focus-visible {
    outline: 2px solid var(--fv-color-focus);
    outline-offset: 2px;
  }
  p {
    margin: 0.25rem 0;
  }
  ul,
  ol {
    margin: 0.25rem 0;
    padding-inline-start: 1.25rem;
  }
  .muted {
    color: var(--fv-color-muted);
    font-size: 0.875rem;
  }
  .actions {
    display: flex;
    flex-wrap: wrap;
    gap: 0.5rem;
    margin-top: 1rem;
  }
  button {
    font: inherit;
    min-height: 44px;
    padding: 0.5rem 1rem;
    border-radius: calc(var(--fv-radius) / 2);
    border: 1px solid var(--fv-color-accent);
    background: var(--fv-color-bg);
    color: var(--fv-color-accent);
    cursor: pointer;
    transition: background var(--fv-transition);
  }
  button.primary {
    background: var(--fv-color-accent);
    color: var(--fv-color-on-accent);
  }
  button:focus-visible,
  input:focus-visible,
  select:focus-visible,
  details > summary:focus-visible {
    outline: 3px solid var(--fv-color-focus);
    outline-offset: 2px;
  }
  .check {
    display: flex;
    gap: 0.5rem;
    align-items: flex-start;
    margin-top: 0.75rem;
    padding: 0.5rem;
    border-radius: calc(var(--fv-radius) / 2);
    background: var(--fv-color-surface);
  }
  .check input {
    width: 1.25rem;
    height: 1.25rem;
    margin-top: 0.15rem;
    flex: none;
  }
  .policy {
    max-height: 10rem;
    overflow: auto;
    padding: 0.5rem;
    border-radius: calc(var(--fv-radius) / 2);
    background: var(--fv-color-surface);
    font-size: 0.875rem;
  }
  .alert {
    color: var(--fv-color-danger);
    font-weight: 600;
  }
  .stage {
    position: relative;
    width: 100%;
    aspect-ratio: 4 / 3;
    overflow: hidden;
    border-radius: var(--fv-radius);
    background: #000;
  }
  video {
    width: 100%;
    height: 100%;
    object-fit: cover;
    /* A mirror is what people expect from a selfie view; analysis uses the unmirrored frame. */
    transform: scaleX(-1);
  }
  .guide {
    position: absolute;
    inset: 0;
    width: 100%;
    height: 100%;
    pointer-events: none;
  }
  .guide ellipse {
    fill: none;
    stroke: var(--fv-color-guide);
    stroke-width: 3;
    stroke-dasharray: 8 6;
  }
  :host([step='challenges']) .guide ellipse,
  .guide.ok ellipse {
    stroke: #35c759;
    stroke-dasharray: none;
  }
  .prompt {
    min-height: 3rem;
    margin-top: 0.75rem;
    font-size: 1.125rem;
    font-weight: 600;
  }
  .steps {
    display: flex;
    gap: 0.25rem;
    list-style: none;
    padding: 0;
    margin: 0.5rem 0 0;
  }
  .steps li {
    flex: 1;
    height: 0.375rem;
    border-radius: 0.25rem;
    background: var(--fv-color-surface);
    border: 1px solid var(--fv-color-muted);
  }
  .steps li[data-state='done'] {
    background: var(--fv-color-success);
    border-color: var(--fv-color-success);
  }
  .steps li[data-state='current'] {
    background: var(--fv-color-accent);
    border-color: var(--fv-color-accent);
  }
  progress {
    width: 100%;
    height: 0.5rem;
    margin-top: 0.5rem;
    accent-color: var(--fv-color-accent);
  }
  .spinner {
    width: 2rem;
    height: 2rem;
    margin: 1rem auto;
    border: 3px solid var(--fv-color-surface);
    border-top-color: var(--fv-color-accent);
    border-radius: 50%;
    animation: spin 0.9s linear infinite;
  }
  @keyframes spin {
    to {
      transform: rotate(360deg);
    }
  }
  .result-icon {
    font-size: 2.5rem;
    line-height: 1;
  }
  .result.match h2,
  .result.match .result-icon {
    color: var(--fv-color-success);
  }
  .result.fail h2,
  .result.fail .result-icon {
    color: var(--fv-color-danger);
  }
  select {
    font: inherit;
    min-height: 44px;
    max-width: 100%;
  }
  label.inline {
    display: flex;
    gap: 0.5rem;
    align-items: center;
    margin-top: 0.5rem;
  }
  .sr-only {
    position: absolute;
    width: 1px;
    height: 1px;
    padding: 0;
    margin: -1px;
    overflow: hidden;
    clip: rect(0, 0, 0, 0);
    white-space: nowrap;
    border: 0;
  }
  @media (prefers-reduced-motion: reduce) {
    :host {
      --fv-transition: 0s;
    }
    .spinner {
      animation: none;
      border-top-color: var(--fv-color-accent);
    }
    .guide ellipse {
      stroke-dasharray: none;
    }
  }
`;
