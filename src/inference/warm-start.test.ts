import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WarmStart, type EngineLoadOptions } from './warm-start';

interface FakeEngine {
  id: number;
  dispose: () => void;
}

function loader() {
  const calls: EngineLoadOptions[] = [];
  const disposed: number[] = [];
  const load = (o: EngineLoadOptions) => {
    calls.push(o);
    const id = calls.length;
    o.onProgress(0.5);
    return Promise.resolve<FakeEngine>({ id, dispose: () => disposed.push(id) });
  };
  return { calls, disposed, load };
}

const options = (backend = 'wasm') => ({
  assetBase: '/',
  backend,
  signal: new AbortController().signal,
  onProgress: vi.fn(),
});

describe('WarmStart', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it('starts after the delay and hands that load to the flow, with its progress', async () => {
    const l = loader();
    const warm = new WarmStart<FakeEngine>(l.load, 800);
    warm.start('/', 'wasm');
    expect(l.calls).toHaveLength(0);
    vi.advanceTimersByTime(800);
    expect(l.calls).toHaveLength(1);
    const o = options();
    const engine = await warm.take(o);
    expect(engine.id).toBe(1);
    expect(o.onProgress).toHaveBeenCalledWith(0.5);
    expect(l.calls).toHaveLength(1);
  });

  it('begins at once when the flow asks before the delay ran out', async () => {
    const l = loader();
    const warm = new WarmStart<FakeEngine>(l.load, 800);
    warm.start('/', 'wasm');
    expect((await warm.take(options())).id).toBe(1);
    vi.advanceTimersByTime(1000);
    expect(l.calls).toHaveLength(1);
  });

  it('loads afresh and releases the warm engine when the settings changed', async () => {
    const l = loader();
    const warm = new WarmStart<FakeEngine>(l.load, 0);
    warm.start('/', 'auto');
    vi.advanceTimersByTime(0);
    expect((await warm.take(options('wasm'))).id).toBe(2);
    await Promise.resolve();
    expect(l.disposed).toEqual([1]);
  });

  it('drop aborts and releases a load nobody took; a dropped start never loads', async () => {
    const l = loader();
    const warm = new WarmStart<FakeEngine>(l.load, 800);
    warm.start('/', 'wasm');
    warm.drop();
    vi.advanceTimersByTime(1000);
    expect(l.calls).toHaveLength(0);
    warm.start('/', 'wasm');
    vi.advanceTimersByTime(800);
    warm.drop();
    await Promise.resolve();
    expect(l.calls[0]!.signal.aborted).toBe(true);
    expect(l.disposed).toEqual([1]);
  });
});
