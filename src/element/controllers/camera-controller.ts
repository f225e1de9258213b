// Owns the camera stream of one element: open, pick a usable device, remember the choice, and
// stop every track on every exit (stop(), disconnect). The host renders `video`.

import type { ReactiveController, ReactiveControllerHost } from 'lit';
import {
  CameraError,
  isUsableLabel,
  listCameras,
  openCamera,
  stopStream,
  type CameraDevice,
} from '../../capture/camera';

export interface CameraControllerOptions {
  /** Remembered device id, if any. */
  load: () => Promise<string | null>;
  save: (deviceId: string) => Promise<void>;
}

export class CameraController implements ReactiveController {
  readonly video: HTMLVideoElement;
  devices: CameraDevice[] = [];
  deviceId: string | null = null;
  private stream: MediaStream | null = null;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly options: CameraControllerOptions,
  ) {
    host.addController(this);
    this.video = document.createElement('video');
    this.video.muted = true;
    this.video.playsInline = true;
    this.video.autoplay = true;
    this.video.setAttribute('part', 'video');
  }

  get active(): boolean {
    return this.stream !== null;
  }

  /** Opens the remembered (or first usable) camera; replaces an IR/virtual pick if it can. */
  async open(signal: AbortSignal): Promise<void> {
    this.stop();
    const remembered = await this.options.load().catch(() => null);
    let stream = remembered
      ? // The remembered camera may be gone: then any camera will do.
        await openCamera(remembered, true).catch((e: unknown) => {
          if (e instanceof CameraError && e.code === 'no-camera') return openCamera(null);
          throw e;
        })
      : await openCamera(null);
    if (signal.aborted) {
      stopStream(stream);
      throw signal.reason;
    }
    // Labels are only readable after permission was granted.
    this.devices = await listCameras().catch(() => []);
    const label = stream.getVideoTracks()[0]?.label ?? '';
    const better = this.devices.find((d) => isUsableLabel(d.label));
    if (!remembered && !isUsableLabel(label) && better) {
      stopStream(stream);
      stream = await openCamera(better.deviceId, true);
    }
    // Checked again after the last await: a Cancel during listCameras() must not leave a
    // live camera attached to a cancelled flow (it did, now and then).
    if (signal.aborted) {
      stopStream(stream);
      throw signal.reason;
    }
    this.attach(stream);
  }

  /** Switches to another camera and remembers it. */
  async select(deviceId: string, signal: AbortSignal): Promise<void> {
    this.stop();
    const stream = await openCamera(deviceId, true);
    if (signal.aborted) {
      stopStream(stream);
      throw signal.reason;
    }
    this.attach(stream);
    await this.options.save(this.deviceId ?? deviceId).catch(() => undefined);
  }

  private attach(stream: MediaStream): void {
    this.stream = stream;
    const track = stream.getVideoTracks()[0];
    this.deviceId = track?.getSettings().deviceId ?? null;
    this.video.srcObject = stream;
    void this.video.play().catch(() => undefined);
    this.host.requestUpdate();
  }

  /** Resolves once the preview has a decoded frame to analyse. */
  async ready(signal: AbortSignal): Promise<void> {
    const v = this.video;
    if (v.readyState >= HTMLMediaElement.HAVE_CURRENT_DATA && v.videoWidth > 0) return;
    await new Promise<void>((resolve, reject) => {
      const done = () => {
        v.removeEventListener('loadeddata', done);
        signal.removeEventListener('abort', abort);
        resolve();
      };
      const abort = () => {
        v.removeEventListener('loadeddata', done);
        reject(signal.reason);
      };
      v.addEventListener('loadeddata', done);
      signal.addEventListener('abort', abort, { once: true });
    });
  }

  stop(): void {
    stopStream(this.stream);
    this.stream = null;
    this.video.srcObject = null;
  }

  hostDisconnected(): void {
    this.stop();
  }
}
