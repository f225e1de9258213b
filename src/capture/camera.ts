// Opening the camera: constraint choice, device selection and error classification. Only
// `ideal` constraints are used — `exact` sizes or `facingMode: {exact}` fail with
// OverconstrainedError on fake and many real cameras.

export type CameraErrorCode =
  'permission-denied' | 'no-camera' | 'camera-in-use' | 'insecure-context' | 'unsupported';

export class CameraError extends Error {
  override readonly name = 'CameraError';
  constructor(
    readonly code: CameraErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface CameraDevice {
  deviceId: string;
  label: string;
}

// Infrared (Windows Hello) and virtual cameras give a poor or fake picture for face checks.
const SKIP_LABEL =
  /\b(ir|infrared)\b|virtual|\bobs\b|snap camera|manycam|xsplit|droidcam|nvidia broadcast/i;

export function isUsableLabel(label: string): boolean {
  return !SKIP_LABEL.test(label);
}

/** Usable video inputs, IR/virtual ones last (kept, in case they are all there is). */
export function rankCameras(devices: readonly MediaDeviceInfo[]): CameraDevice[] {
  const cams = devices
    .filter((d) => d.kind === 'videoinput')
    .map((d) => ({ deviceId: d.deviceId, label: d.label }));
  return [
    ...cams.filter((c) => isUsableLabel(c.label)),
    ...cams.filter((c) => !isUsableLabel(c.label)),
  ];
}

/**
 * `exactDevice`: the person picked this enumerated device, so it must be that one (Chromium
 * treats an `ideal` deviceId as a hint only). Remembered ids stay `ideal`: the device may be gone.
 */
export function videoConstraints(
  deviceId: string | null,
  exactDevice = false,
): MediaTrackConstraints {
  const c: MediaTrackConstraints = {
    width: { ideal: 640 },
    height: { ideal: 480 },
    frameRate: { ideal: 30 },
  };
  if (deviceId) c.deviceId = exactDevice ? { exact: deviceId } : { ideal: deviceId };
  else c.facingMode = { ideal: 'user' };
  return c;
}

/** Fails early, without touching getUserMedia, when the page cannot use a camera at all. */
export function assertCameraAvailable(): void {
  if (!globalThis.isSecureContext) {
    throw new CameraError('insecure-context', 'camera requires a secure context');
  }
  if (typeof navigator.mediaDevices?.getUserMedia !== 'function') {
    throw new CameraError('unsupported', 'navigator.mediaDevices.getUserMedia is missing');
  }
}

/** Maps getUserMedia's DOMException names onto the states the element shows. */
export function classifyCameraError(error: unknown): CameraError {
  if (error instanceof CameraError) return error;
  const name = error instanceof Error ? error.name : '';
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  switch (name) {
    case 'NotAllowedError':
    case 'PermissionDeniedError':
      return new CameraError('permission-denied', message, { cause: error });
    case 'SecurityError':
      return new CameraError(
        globalThis.isSecureContext ? 'permission-denied' : 'insecure-context',
        message,
        { cause: error },
      );
    case 'NotFoundError':
    case 'DevicesNotFoundError':
    case 'OverconstrainedError':
      return new CameraError('no-camera', message, { cause: error });
    case 'NotReadableError':
    case 'TrackStartError':
    case 'AbortError':
      return new CameraError('camera-in-use', message, { cause: error });
    case 'TypeError':
      return new CameraError('unsupported', message, { cause: error });
    default:
      return new CameraError('camera-in-use', message, { cause: error });
  }
}

export function stopStream(stream: MediaStream | null | undefined): void {
  for (const track of stream?.getTracks() ?? []) track.stop();
}

export async function openCamera(
  deviceId: string | null,
  exactDevice = false,
): Promise<MediaStream> {
  assertCameraAvailable();
  try {
    return await navigator.mediaDevices.getUserMedia({
      video: videoConstraints(deviceId, exactDevice),
      audio: false,
    });
  } catch (error) {
    throw classifyCameraError(error);
  }
}

export async function listCameras(): Promise<CameraDevice[]> {
  if (typeof navigator.mediaDevices?.enumerateDevices !== 'function') return [];
  return rankCameras(await navigator.mediaDevices.enumerateDevices());
}
