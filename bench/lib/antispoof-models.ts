// The passive anti-spoof models a bench can score with, and their hash for cache keys: cached
// scores belong to the model bytes that produced them, so a new model never reuses old numbers.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { quantizeWeightsInt8 } from '../../scripts/models/quantize-onnx';

export interface AntispoofModel {
  /** `element`, `float`, `int8`, `int8:N` or the file's path, as asked for. */
  label: string;
  bytes: Uint8Array;
  sha256: string;
  /** The file the page already serves (public/models/fr_liveness.onnx): nothing to route. */
  element: boolean;
}

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/**
 * `element`: public/models/fr_liveness.onnx as built by `npm install` (what the element loads);
 * `float`: the source package's model; `int8`: that model through scripts/models/quantize-onnx.ts
 * (the same call build-models makes for fr_feature); `int8:N`: the same with `minElements: N`
 * (tensors under N values stay float); anything else: a path to an ONNX file.
 */
export function antispoofModel(spec: string): AntispoofModel {
  let bytes: Uint8Array;
  const int8 = /^int8(?::(\d+))?$/.exec(spec);
  if (spec === 'element') {
    bytes = new Uint8Array(
      readFileSync(new URL('../../public/models/fr_liveness.onnx', import.meta.url)),
    );
  } else if (spec === 'float' || int8) {
    const pkg = dirname(
      createRequire(import.meta.url).resolve('faceplugin-face-recognition-js/package.json'),
    );
    bytes = new Uint8Array(readFileSync(join(pkg, 'model', 'fr_liveness.onnx')));
    if (int8) {
      const minElements = int8[1] ? Number(int8[1]) : undefined;
      bytes = quantizeWeightsInt8(bytes, minElements ? { minElements } : {}).model;
    }
  } else {
    bytes = new Uint8Array(readFileSync(resolve(spec)));
  }
  return { label: spec, bytes, sha256: sha(bytes), element: spec === 'element' };
}

/** 12 hex digits of the element's anti-spoof model, for cache file names. */
export function elementAntispoofKey(): string {
  return antispoofModel('element').sha256.slice(0, 12);
}
