// The model build against the real npm packages: manifest, idempotence, refusal of changed
// sources, and the structure of the rebuilt face_landmarker.task.
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BuildModelsError, buildModels, type BuildReport } from './build-models';
import { CONCAT_VALUES, LEFT_EYE, LIPS, refinedGatherTable } from './models/face-mesh-refinement';
import { extractPackedFile, listPackedFiles } from './models/packed-assets';
import { crc32, readZip, writeStoredZip } from './models/stored-zip';
import { readImageInputMetadata } from './models/tflite-metadata';
import { TfliteError, readMetadataBuffer, readModel } from './models/tflite';

const REPO = resolve(import.meta.dirname, '..');
const NODE_MODULES = join(REPO, 'node_modules');
const COMMITTED = join(REPO, 'public', 'models', 'manifest.json');
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

let work: string;
let first: BuildReport;
const publicDir = () => join(work, 'public');

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'fv-models-'));
  first = buildModels({ nodeModules: NODE_MODULES, publicDir: publicDir() });
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('build-models', () => {
  it('writes every file and a manifest that describes them byte for byte', () => {
    expect(first.manifestWritten).toBe(true);
    const manifest = JSON.parse(readFileSync(join(publicDir(), 'models', 'manifest.json'), 'utf8'));
    expect(manifest.files.map((f: { name: string }) => f.name)).toEqual(
      expect.arrayContaining(['face_landmarker.task', 'fr_feature.onnx', 'fr_liveness.onnx']),
    );
    for (const f of manifest.files) {
      const bytes = new Uint8Array(readFileSync(join(publicDir(), f.path)));
      expect(bytes.length).toBe(f.bytes);
      expect(sha(bytes)).toBe(f.sha256);
      expect(f.source.length).toBeGreaterThan(0);
      expect(f.licence).toMatch(/^(MIT|Apache-2\.0)$/);
    }
    const feature = manifest.files.find((f: { name: string }) => f.name === 'fr_feature.onnx');
    expect(feature.id).toBe(`fr_feature@faceplugin-0.0.1-int8:${feature.sha256.slice(0, 12)}`);
    expect(feature.licence).toBe('MIT');
    const task = manifest.files.find((f: { name: string }) => f.name === 'face_landmarker.task');
    expect(task.licence).toBe('Apache-2.0');
    expect(task.source).toEqual([
      expect.stringMatching(/^@mediapipe\/face_detection@/),
      expect.stringMatching(/^@mediapipe\/face_mesh@/),
    ]);
  });

  it('produces exactly the committed manifest (same sources give the same bytes)', () => {
    expect(readFileSync(join(publicDir(), 'models', 'manifest.json'), 'utf8')).toBe(
      readFileSync(COMMITTED, 'utf8'),
    );
  });

  it('changes nothing when run again', () => {
    const task = join(publicDir(), 'models', 'face_landmarker.task');
    const before = statSync(task).mtimeMs;
    const again = buildModels({ nodeModules: NODE_MODULES, publicDir: publicDir() });
    expect(again.written).toEqual([]);
    expect(again.manifestWritten).toBe(false);
    expect(again.unchanged.length).toBe(first.written.length);
    expect(statSync(task).mtimeMs).toBe(before);
  });

  it('repairs a damaged output file', () => {
    const onnx = join(publicDir(), 'models', 'fr_liveness.onnx');
    writeFileSync(onnx, 'not a model');
    const report = buildModels({ nodeModules: NODE_MODULES, publicDir: publicDir() });
    expect(report.written).toEqual(['models/fr_liveness.onnx']);
    const entry = report.manifest.files.find((f) => f.name === 'fr_liveness.onnx')!;
    expect(sha(new Uint8Array(readFileSync(onnx)))).toBe(entry.sha256);
  });

  it('stops with a clear message when a built file does not match the manifest, writing nothing', () => {
    const dir = join(work, 'mismatch');
    mkdirSync(join(dir, 'models'), { recursive: true });
    const manifest = JSON.parse(readFileSync(COMMITTED, 'utf8'));
    const entry = manifest.files.find((f: { name: string }) => f.name === 'fr_feature.onnx');
    entry.sha256 = '0'.repeat(64);
    const text = JSON.stringify(manifest, null, 2);
    writeFileSync(join(dir, 'models', 'manifest.json'), text);

    let error: unknown;
    try {
      buildModels({ nodeModules: NODE_MODULES, publicDir: dir });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BuildModelsError);
    expect((error as Error).message).toMatch(/fr_feature\.onnx: SHA-256 mismatch/);
    expect((error as Error).message).toMatch(/--update/);
    expect(existsSync(join(dir, 'models', 'fr_feature.onnx'))).toBe(false);
    expect(readFileSync(join(dir, 'models', 'manifest.json'), 'utf8')).toBe(text);

    // `--update` accepts the sources and rewrites the manifest.
    const report = buildModels({ nodeModules: NODE_MODULES, publicDir: dir, update: true });
    expect(report.manifestWritten).toBe(true);
    expect(readFileSync(join(dir, 'models', 'manifest.json'), 'utf8')).toBe(
      readFileSync(COMMITTED, 'utf8'),
    );
  });

  it('stops with a clear message when a source package is missing', () => {
    const modules = join(work, 'partial_node_modules');
    mkdirSync(join(modules, '@mediapipe'), { recursive: true });
    for (const name of [
      '@mediapipe/face_detection',
      '@mediapipe/tasks-vision',
      'faceplugin-face-recognition-js',
      'onnxruntime-web',
    ]) {
      symlinkSync(join(NODE_MODULES, name), join(modules, name), 'dir');
    }
    const dir = join(work, 'partial');
    expect(() => buildModels({ nodeModules: modules, publicDir: dir })).toThrowError(
      /source package @mediapipe\/face_mesh is missing.*npm install/s,
    );
    expect(existsSync(dir)).toBe(false);
  });

  it('stops when a source package lacks a file it should ship', () => {
    const modules = join(work, 'broken_node_modules');
    mkdirSync(join(modules, '@mediapipe'), { recursive: true });
    for (const name of [
      '@mediapipe/face_mesh',
      '@mediapipe/tasks-vision',
      'faceplugin-face-recognition-js',
      'onnxruntime-web',
    ]) {
      symlinkSync(join(NODE_MODULES, name), join(modules, name), 'dir');
    }
    // A copy of face_detection without its short-range model.
    const detection = join(modules, '@mediapipe', 'face_detection');
    mkdirSync(detection);
    cpSync(
      join(NODE_MODULES, '@mediapipe/face_detection/package.json'),
      join(detection, 'package.json'),
    );
    expect(() =>
      buildModels({ nodeModules: modules, publicDir: join(work, 'broken') }),
    ).toThrowError(/face_detection@.* does not contain face_detection_short_range\.tflite/);
  });
});

describe('face_landmarker.task', () => {
  const entries = () =>
    readZip(new Uint8Array(readFileSync(join(publicDir(), 'models', 'face_landmarker.task'))));

  it('is a stored zip of the three files MediaPipe expects, data 64-byte aligned', () => {
    const list = entries();
    expect(list.map((e) => e.name)).toEqual([
      'face_detector.tflite',
      'face_landmarks_detector.tflite',
      'geometry_pipeline_metadata_landmarks.binarypb',
    ]);
    for (const e of list) {
      expect(e.method).toBe(0);
      expect(e.dataOffset % 64).toBe(0);
    }
  });

  it('gives both models image metadata with their normalisation', () => {
    const [detector, landmarks] = entries();
    const d = readMetadataBuffer(readModel(detector!.data), 'TFLITE_METADATA');
    const l = readMetadataBuffer(readModel(landmarks!.data), 'TFLITE_METADATA');
    expect(readImageInputMetadata(d!)).toEqual({
      width: 128,
      height: 128,
      mean: 127.5,
      std: 127.5,
    });
    expect(readImageInputMetadata(l!)).toEqual({ width: 192, height: 192, mean: 0, std: 255 });
  });

  it('turns the attention mesh into [landmarks 1x1x1x1434, face flag]', () => {
    const model = readModel(entries()[1]!.data);
    const outputs = model.outputs.map((i) => model.tensors[i]!);
    expect(outputs.map((t) => [t.name, t.shape])).toEqual([
      ['landmarks_478', [1, 1, 1, 1434]],
      ['conv_faceflag', [1, 1, 1, 1]],
    ]);
    expect(model.inputs.map((i) => model.tensors[i]!.shape)).toEqual([[1, 192, 192, 3]]);
    // CONCATENATION, GATHER, MEAN are among the operator codes.
    expect(model.builtinCodes).toEqual(expect.arrayContaining([2, 36, 40]));
  });

  it('keeps the detector graph unchanged apart from metadata', () => {
    const before = readModel(
      new Uint8Array(
        readFileSync(
          join(NODE_MODULES, '@mediapipe/face_detection/face_detection_short_range.tflite'),
        ),
      ),
    );
    const after = readModel(entries()[0]!.data);
    expect(after.tensors).toEqual(before.tensors);
    expect(after.outputs).toEqual(before.outputs);
    expect(after.operatorCount).toBe(before.operatorCount);
    expect(after.metadataNames).toEqual(['TFLITE_METADATA']);
  });
});

describe('refinement table', () => {
  const table = refinedGatherTable();

  it('indexes only the concatenated outputs and the two iris depths', () => {
    expect(table.length).toBe(478 * 3);
    for (const v of table) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThan(CONCAT_VALUES + 2);
    }
  });

  it('keeps the mesh depth for every mesh point and takes lips/eyes x,y from their outputs', () => {
    for (let p = 0; p < 468; p++) expect(table[3 * p + 2]).toBe(3 * p + 2);
    expect(table[3 * LIPS[0]]).toBe(1404);
    expect(table[3 * LIPS[0] + 1]).toBe(1405);
    expect(table[3 * LEFT_EYE[70]!]).toBe(1564 + 140);
    // Points not refined keep their own mesh x,y (e.g. the nose tip, 1).
    expect([table[3], table[4]]).toEqual([3, 4]);
  });

  it('gives each iris its own x,y and the averaged depth', () => {
    for (let k = 0; k < 5; k++) {
      expect(table[3 * (468 + k)]).toBe(1848 + 2 * k);
      expect(table[3 * (468 + k) + 2]).toBe(CONCAT_VALUES);
      expect(table[3 * (473 + k)]).toBe(1858 + 2 * k);
      expect(table[3 * (473 + k) + 2]).toBe(CONCAT_VALUES + 1);
    }
  });
});

describe('helpers reject bad input with clear errors', () => {
  it('readModel refuses bytes that are not a TFLite model', () => {
    expect(() => readModel(new Uint8Array(16))).toThrowError(TfliteError);
    expect(() => readModel(new Uint8Array(16))).toThrowError(/TFL3/);
  });

  it('packed assets: an unlisted file or a range past the data is an error', () => {
    const files = listPackedFiles('"filename": "/a/b.tflite", "start": 0, "end": 10');
    expect(files).toEqual([{ filename: '/a/b.tflite', start: 0, end: 10 }]);
    expect(() => extractPackedFile(new Uint8Array(4), files, 'b.tflite')).toThrowError(
      /outside the data file/,
    );
    expect(() => extractPackedFile(new Uint8Array(10), files, 'c.tflite')).toThrowError(
      /c\.tflite is not listed/,
    );
  });

  it('stored zip round-trips and detects damage', () => {
    const data = new TextEncoder().encode('hello face');
    const zip = writeStoredZip([{ name: 'a.txt', data }]);
    const [entry] = readZip(zip);
    expect(entry!.name).toBe('a.txt');
    expect(entry!.data).toEqual(data);
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    const damaged = zip.slice();
    damaged[entry!.dataOffset] ^= 1;
    expect(() => readZip(damaged)).toThrowError(/CRC mismatch in a\.txt/);
    expect(() => readZip(new Uint8Array(30))).toThrowError(/end of central directory/);
  });
});
