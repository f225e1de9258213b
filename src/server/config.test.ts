// Configuration defaults: the accepted model id is the one the browser engine reports.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configFromEnv, defaultConfig } from './config';

const manifest = JSON.parse(
  readFileSync(new URL('../../public/models/manifest.json', import.meta.url), 'utf8'),
) as { files: { name: string; id?: string }[] };
const embeddingId = manifest.files.find((f) => f.name === 'fr_feature.onnx')?.id;

describe('model ids', () => {
  it('default to the embedding model id of the committed manifest', () => {
    expect(embeddingId).toMatch(/^fr_feature@/);
    expect(defaultConfig().modelIds).toEqual([embeddingId]);
    expect(configFromEnv({}).modelIds).toEqual([embeddingId]);
  });

  it('FV_MODEL_IDS and explicit overrides still win', () => {
    expect(configFromEnv({ FV_MODEL_IDS: 'a, b' }).modelIds).toEqual(['a', 'b']);
    expect(defaultConfig({ modelIds: ['x'] }).modelIds).toEqual(['x']);
  });
});
