import { describe, expect, it } from 'vitest';
import type { ActionSummary } from './trace';
import { fromSummaries, invisibleActions } from './visibility';

const summary = (
  action: ActionSummary['action'],
  visible: boolean,
  detail = '',
): ActionSummary => ({
  action,
  fromMs: 0,
  toMs: 0,
  seen: '1/1',
  minEye: 0,
  maxMouth: 0,
  minYaw: 0,
  maxYaw: 0,
  minPitch: 0,
  visible,
  detail,
});

describe('action visibility', () => {
  const check = fromSummaries('k', [
    summary('neutral', true),
    summary('blink', false, 'eye 0.22 → 0.15 (0.71×)'),
    summary('neutral', true),
    summary('open-mouth', true),
    summary('turn-left', true),
    summary('turn-right', true),
    summary('nod', true),
  ]);

  it('collects visible and missing actions once each', () => {
    expect(check.missing).toEqual(['blink']);
    expect(check.visible).toEqual(['neutral', 'open-mouth', 'turn-left', 'turn-right', 'nod']);
  });

  it('names the missing action with its measurement and suggests the head challenge set', () => {
    const line = invisibleActions(check)!;
    expect(line).toContain('blink (eye 0.22 → 0.15 (0.71×))');
    expect(line).toContain('challenge-set="head"');
    expect(invisibleActions(check, ['turn-left', 'open-mouth'])).toBeNull();
  });

  it('does not suggest the head set when a turn is missing too', () => {
    const noTurn = fromSummaries('k', [summary('blink', false), summary('turn-left', false)]);
    const line = invisibleActions(noTurn)!;
    expect(line).toContain('blink');
    expect(line).toContain('turn-left');
    expect(line).not.toContain('challenge-set');
  });
});
