// Loading the engine while the consent screen is read. What starts before Accept is only the
// static part: the manifest, the model files and runtimes from the asset base (hash-checked),
// the inference worker with its ORT sessions and MediaPipe's landmarker. No camera, no request to
// the endpoint, nothing written to storage (the browser's HTTP cache keeps the files as for any
// page asset). The flow's own load after Accept then takes the warm one instead of starting anew;
// a decline, a removed element or changed attributes throw it away.

export interface EngineLoadOptions<B extends string = string> {
  assetBase: string;
  backend: B;
  signal: AbortSignal;
  onProgress: (value: number | null) => void;
}

interface Held<T> {
  key: string;
  /** Null until the delay ran out (or the flow asked first). */
  loading: Promise<T> | null;
  begin: () => Promise<T>;
  timer: ReturnType<typeof setTimeout> | undefined;
  abort: AbortController;
  progress: number | null;
  onProgress: ((value: number | null) => void) | null;
}

export class WarmStart<T extends { dispose(): void }, B extends string = string> {
  private held: Held<T> | null = null;

  /**
   * `delayMs`: how long the consent screen must have been shown before loading starts, so a page
   * that re-creates or reconfigures the element right away (the demo's settings form) does not
   * start and abandon downloads. Default 800 ms.
   */
  constructor(
    private readonly load: (options: EngineLoadOptions<B>) => Promise<T>,
    private readonly delayMs = 800,
  ) {}

  /** Starts loading for these settings after `delayMs`; again only if they changed. */
  start(assetBase: string, backend: B): void {
    const key = `${assetBase}|${backend}`;
    if (this.held?.key === key) return;
    this.drop();
    const abort = new AbortController();
    const held: Held<T> = {
      key,
      loading: null,
      abort,
      progress: null,
      onProgress: null,
      timer: undefined,
      begin: () => {
        clearTimeout(held.timer);
        if (held.loading) return held.loading;
        const loading = this.load({
          assetBase,
          backend,
          signal: abort.signal,
          onProgress: (value) => {
            held.progress = value;
            held.onProgress?.(value);
          },
        });
        // Nobody may be waiting yet: a failure is reported when the flow takes it (and loads
        // again on Retry), never as an unhandled rejection.
        loading.catch(() => undefined);
        held.loading = loading;
        return loading;
      },
    };
    held.timer = setTimeout(() => void held.begin(), this.delayMs);
    this.held = held;
  }

  /** The warm load when it matches these settings (handed over once), else a fresh one. */
  take(options: EngineLoadOptions<B>): Promise<T> {
    const held = this.held;
    this.held = null;
    if (!held || held.key !== `${options.assetBase}|${options.backend}`) {
      if (held) discard(held);
      return this.load(options);
    }
    if (options.signal.aborted) held.abort.abort();
    else options.signal.addEventListener('abort', () => held.abort.abort(), { once: true });
    held.onProgress = options.onProgress;
    if (held.progress !== null) options.onProgress(held.progress);
    return held.begin();
  }

  /** Stops a warm load nobody took and releases what it loaded. */
  drop(): void {
    if (this.held) discard(this.held);
    this.held = null;
  }
}

function discard<T extends { dispose(): void }>(held: Held<T>): void {
  clearTimeout(held.timer);
  held.abort.abort();
  void held.loading?.then(
    (engine) => engine.dispose(),
    () => undefined,
  );
}
