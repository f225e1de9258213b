import { describe, expect, it } from 'vitest';
import { classifyCameraError, isUsableLabel, rankCameras, videoConstraints } from './camera';

const dev = (label: string, kind: MediaDeviceKind = 'videoinput') =>
  ({ deviceId: label, label, kind, groupId: '', toJSON: () => ({}) }) as MediaDeviceInfo;

describe('camera helpers', () => {
  it('maps getUserMedia failures onto distinct, stable codes', () => {
    const code = (name: string) => classifyCameraError(new DOMException('x', name)).code;
    expect(code('NotAllowedError')).toBe('permission-denied');
    expect(code('NotFoundError')).toBe('no-camera');
    expect(code('OverconstrainedError')).toBe('no-camera');
    expect(code('NotReadableError')).toBe('camera-in-use');
    expect(code('AbortError')).toBe('camera-in-use');
    expect(classifyCameraError(new TypeError('no getUserMedia')).code).toBe('unsupported');
  });

  it('skips IR and virtual cameras by label, keeping them last', () => {
    expect(isUsableLabel('Integrated Camera (04f2:b6dd)')).toBe(true);
    expect(isUsableLabel('Integrated IR Camera')).toBe(false);
    expect(isUsableLabel('OBS Virtual Camera')).toBe(false);
    expect(isUsableLabel('fake_device_0')).toBe(true);
    const ranked = rankCameras([
      dev('Integrated IR Camera'),
      dev('Microphone', 'audioinput'),
      dev('OBS Virtual Camera'),
      dev('HD Webcam'),
    ]).map((c) => c.label);
    expect(ranked).toEqual(['HD Webcam', 'Integrated IR Camera', 'OBS Virtual Camera']);
  });

  it('never asks for exact size or facing mode (fake and many real cameras reject them)', () => {
    const text = JSON.stringify([videoConstraints(null), videoConstraints('abc')]);
    expect(text).not.toContain('exact');
    // Only a device the person picked from the list is required exactly.
    expect(videoConstraints('abc', true)).toMatchObject({
      deviceId: { exact: 'abc' },
      width: { ideal: 640 },
    });
    expect(videoConstraints('abc').deviceId).toEqual({ ideal: 'abc' });
    expect(videoConstraints(null).facingMode).toEqual({ ideal: 'user' });
  });
});
