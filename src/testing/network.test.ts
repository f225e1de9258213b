import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { encodeJpeg, encodePng, createImage } from '../../scripts/fake-camera/image';
import { expectNoImageDataLeft, findImageData, type CapturedRequest } from './network';

const req = (url: string, body: Buffer | null, method = 'POST'): CapturedRequest => ({
  url,
  method,
  resourceType: 'fetch',
  body,
});
const small = createImage(8, 8, [120, 80, 60]);

describe('findImageData', () => {
  it('finds encoded images, data URLs, base64 images and landmark arrays', () => {
    expect(findImageData(Buffer.from(encodeJpeg(small)))).toBe('JPEG');
    expect(findImageData(Buffer.from(encodePng(small)))).toBe('PNG');
    const b64 = Buffer.from(encodeJpeg(small)).toString('base64');
    expect(findImageData(Buffer.from(JSON.stringify({ frame: b64 })))).toBe('base64 JPEG');
    expect(findImageData(Buffer.from(`{"img":"data:image/webp;base64,AAAA"}`))).toBe('data: URL');
    const landmarks = JSON.stringify(Array.from({ length: 1434 }, (_, i) => (i * 0.37) % 640));
    expect(findImageData(Buffer.from(landmarks))).toBe('long number array');
    expect(findImageData(Buffer.alloc(640 * 480 * 4))).toMatch(/> 32768/);
  });

  it('passes sealed submissions: random ciphertext of a few KiB and small JSON', () => {
    for (let i = 0; i < 200; i++) expect(findImageData(randomBytes(3000))).toBeNull();
    expect(
      findImageData(Buffer.from(JSON.stringify({ purpose: 'verify', subjectId: 'u-1' }))),
    ).toBeNull();
  });
});

describe('expectNoImageDataLeft', () => {
  const origins = ['http://127.0.0.1:5190', 'http://127.0.0.1:5191'];
  it('accepts our own origins, GETs and blob:/data: URLs', () => {
    expect(() =>
      expectNoImageDataLeft(
        [
          req('http://127.0.0.1:5190/app.js', null, 'GET'),
          req('http://127.0.0.1:5191/v1/verify', randomBytes(2500)),
          req('blob:http://127.0.0.1:5190/1234', null, 'GET'),
        ],
        { origins },
      ),
    ).not.toThrow();
  });

  it('names every request that leaked or went elsewhere', () => {
    expect(() =>
      expectNoImageDataLeft(
        [
          req('https://cdn.example.com/model.bin', null, 'GET'),
          req('http://127.0.0.1:5191/v1/verify', Buffer.from(encodePng(small))),
        ],
        { origins },
      ),
    ).toThrow(/cdn\.example\.com.*origin not allowed[\s\S]*PNG in the request body/);
  });
});
