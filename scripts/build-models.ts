// Builds public/models/ and public/runtime/ from npm packages only (run by `npm install`):
//   models/face_landmarker.task    rebuilt from @mediapipe/face_detection + @mediapipe/face_mesh
//   models/fr_feature.onnx         512-d face embedding  (faceplugin-face-recognition-js), its
//                                  weights made int8 here (scripts/models/quantize-onnx.ts)
//   models/fr_liveness.onnx        passive anti-spoof    (faceplugin-face-recognition-js)
//   runtime/mediapipe/*            tasks-vision wasm fileset
//   runtime/ort/*                  onnxruntime-web entries + wasm (plain and asyncify/WebGPU builds)
// Every byte is hashed and compared with the committed manifest; a difference stops the build.
// Re-running rewrites nothing that is already up to date.
//
//   tsx scripts/build-models.ts            build and verify
//   tsx scripts/build-models.ts --update   accept new sources and rewrite the manifest
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildLandmarkerParts, bundleLandmarker } from './models/landmarker-task';
import { quantizeWeightsInt8 } from './models/quantize-onnx';
import {
  diffManifest,
  modelId,
  parseManifest,
  serialiseManifest,
  sha256,
  type ManifestEntry,
  type ModelManifest,
} from './models/manifest';
import {
  BuildModelsError,
  findPackage,
  readSourceFile,
  type SourcePackage,
} from './models/sources';

export { BuildModelsError };

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export interface BuildOptions {
  /** Where the source packages are installed. Default: the repository's node_modules. */
  nodeModules?: string;
  /** Output root (models/ and runtime/ go under it). Default: the repository's public/. */
  publicDir?: string;
  /** The reference manifest. Default: `${publicDir}/models/manifest.json`. */
  manifestPath?: string;
  /** Accept whatever the sources give and rewrite the manifest. */
  update?: boolean;
  log?: (line: string) => void;
}

export interface BuildReport {
  written: string[];
  unchanged: string[];
  manifestWritten: boolean;
  manifest: ModelManifest;
}

interface Artifact {
  entry: Omit<ManifestEntry, 'bytes' | 'sha256' | 'id'>;
  /** Label for the model id (`name@label:hash`); models only. */
  idLabel?: string;
  data: Uint8Array;
}

const MEDIAPIPE_RUNTIME = [
  'vision_wasm_internal.js',
  'vision_wasm_internal.wasm',
  'vision_wasm_nosimd_internal.js',
  'vision_wasm_nosimd_internal.wasm',
];
// The inference worker imports ORT itself from here at run time (nothing of ORT is bundled):
// `ort.wasm.min.mjs` loads the plain build, `ort.webgpu.min.mjs` the asyncify (WebGPU) build.
// The default entry's JSEP build is never used, so it is not hosted.
const ORT_RUNTIME = [
  'ort.wasm.min.mjs',
  'ort.webgpu.min.mjs',
  ...['', '.asyncify'].flatMap((v) => [
    `ort-wasm-simd-threaded${v}.mjs`,
    `ort-wasm-simd-threaded${v}.wasm`,
  ]),
];

function collect(nodeModules: string): Artifact[] {
  const detection = findPackage(nodeModules, '@mediapipe/face_detection');
  const mesh = findPackage(nodeModules, '@mediapipe/face_mesh');
  const faceplugin = findPackage(nodeModules, 'faceplugin-face-recognition-js');
  const vision = findPackage(nodeModules, '@mediapipe/tasks-vision');
  const ort = findPackage(nodeModules, 'onnxruntime-web');
  if (vision.version.startsWith('1.')) {
    // The 1.x releases POST usage metrics to Google on every run (see docs/models.md).
    throw new BuildModelsError(`${vision.spec} phones home; pin @mediapipe/tasks-vision@0.10.35`);
  }

  const parts = buildLandmarkerParts({
    detector: readSourceFile(detection, 'face_detection_short_range.tflite'),
    meshData: readSourceFile(mesh, 'face_mesh_solution_packed_assets.data'),
    meshLoader: new TextDecoder().decode(
      readSourceFile(mesh, 'face_mesh_solution_packed_assets_loader.js'),
    ),
  });
  const artifacts: Artifact[] = [
    {
      entry: {
        name: 'face_landmarker.task',
        path: 'models/face_landmarker.task',
        kind: 'model',
        source: [detection.spec, mesh.spec],
        licence: licenceOf(detection, mesh),
        input: {
          format: 'MediaPipe Tasks bundle (stored zip)',
          detector: 'face_detector.tflite: 1x128x128x3 RGB NHWC, (p - 127.5) / 127.5',
          landmarks: 'face_landmarks_detector.tflite: 1x192x192x3 RGB NHWC, p / 255',
          outputs: '478 landmarks (x, y, z) + face flag; facial transformation matrix',
          frames: 'downscaled to <= 640 px before detection',
        },
      },
      idLabel: `mediapipe-${mesh.version}`,
      data: bundleLandmarker(parts),
    },
  ];
  const onnx = (file: string, input: Record<string, unknown>): Artifact => ({
    entry: {
      name: file,
      path: `models/${file}`,
      kind: 'model',
      source: [faceplugin.spec],
      licence: faceplugin.licence,
      input,
    },
    idLabel: `faceplugin-${faceplugin.version}`,
    data: readSourceFile(faceplugin, `model/${file}`),
  });
  // The embedding model ships with int8 weights (per output channel, restored by Cast/Mul in the
  // graph; docs/inference.md): 1.0 MB instead of 4.0 MB gzip on the wire, same speed, embeddings
  // within cosine 0.999 of the float model's. Its model id is new (`…-int8:`), so templates
  // enrolled with the float model are not compared with it: those subjects enrol again.
  const embedding = onnx('fr_feature.onnx', {
    tensor: 'input',
    shape: [1, 3, 112, 112],
    layout: 'NCHW',
    color: 'RGB',
    normalise: '(p - 127) / 128',
    crop: '5-point similarity alignment onto the 112x112 ArcFace template',
    output: '512-d embedding; L2-normalise, compare by cosine',
    weights:
      'int8, symmetric per output channel (max|w|/127), Cast+Mul in the graph; ' +
      'built from the float model of the source package',
  });
  artifacts.push(
    {
      ...embedding,
      idLabel: `${embedding.idLabel!}-int8`,
      data: quantizeWeightsInt8(embedding.data).model,
    },
    onnx('fr_liveness.onnx', {
      tensor: 'input',
      shape: [1, 3, 128, 128],
      layout: 'NCHW',
      color: 'RGB',
      normalise: 'none (0..255)',
      crop: 'face box x2.7 around its centre, clamped to the image',
      output: '3-way softmax; index 0 = live',
    }),
  );
  const runtime =
    (pkg: SourcePackage, dir: string, into: string) =>
    (file: string): Artifact => ({
      entry: {
        name: file,
        path: `runtime/${into}/${file}`,
        kind: 'runtime',
        source: [pkg.spec],
        licence: pkg.licence,
      },
      data: readSourceFile(pkg, `${dir}/${file}`),
    });
  artifacts.push(...MEDIAPIPE_RUNTIME.map(runtime(vision, 'wasm', 'mediapipe')));
  artifacts.push(...ORT_RUNTIME.map(runtime(ort, 'dist', 'ort')));
  return artifacts;
}

function licenceOf(...pkgs: SourcePackage[]): string {
  const all = [...new Set(pkgs.map((p) => p.licence))];
  return all.join(' AND ');
}

function sameFile(path: string, data: Uint8Array, hash: string): boolean {
  if (!existsSync(path) || statSync(path).size !== data.length) return false;
  return sha256(new Uint8Array(readFileSync(path))) === hash;
}

function writeAtomic(path: string, data: Uint8Array | string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

export function buildModels(options: BuildOptions = {}): BuildReport {
  const nodeModules = options.nodeModules ?? join(REPO, 'node_modules');
  const publicDir = options.publicDir ?? join(REPO, 'public');
  const manifestPath = options.manifestPath ?? join(publicDir, 'models', 'manifest.json');
  const log = options.log ?? (() => undefined);

  // Progress, so a slow machine shows it is working (the landmarker build takes minutes there).
  const started = Date.now();
  const secs = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
  log(
    'models: building face_landmarker.task from @mediapipe/face_mesh + face_detection, ' +
      'reading the ONNX models and wasm runtimes from node_modules…',
  );
  const artifacts = collect(nodeModules);
  log(
    `models: ${artifacts.length} files ready after ${secs()}; checking SHA-256 against the manifest`,
  );
  const files: ManifestEntry[] = artifacts.map((a) => {
    const hash = sha256(a.data);
    const { name, path, kind, source, licence, input } = a.entry;
    return {
      name,
      path,
      kind,
      ...(a.idLabel ? { id: modelId(name, a.idLabel, hash) } : {}),
      bytes: a.data.length,
      sha256: hash,
      source,
      licence,
      ...(input ? { input } : {}),
    };
  });
  const built: ModelManifest = { schema: 1, files };

  const committed = existsSync(manifestPath)
    ? parseManifest(readFileSync(manifestPath, 'utf8'), manifestPath)
    : null;
  if (committed && !options.update) {
    const problems = diffManifest(committed, built);
    if (problems.length) {
      throw new BuildModelsError(
        [
          `built model files do not match ${manifestPath}:`,
          ...problems.map((p) => `  - ${p}`),
          'A source package changed or was tampered with. Reinstall it (`npm ci`), or, after',
          'reviewing the new files, accept them with `npx tsx scripts/build-models.ts --update`.',
        ].join('\n'),
      );
    }
  }

  const written: string[] = [];
  const unchanged: string[] = [];
  artifacts.forEach((a, i) => {
    const target = join(publicDir, a.entry.path);
    if (sameFile(target, a.data, files[i]!.sha256)) {
      unchanged.push(a.entry.path);
    } else {
      writeAtomic(target, a.data);
      written.push(a.entry.path);
      log(`  wrote ${a.entry.path} (${(a.data.length / 1e6).toFixed(1)} MB)`);
    }
  });
  const text = serialiseManifest(built);
  const manifestWritten = !existsSync(manifestPath) || readFileSync(manifestPath, 'utf8') !== text;
  if (manifestWritten) writeAtomic(manifestPath, text);

  log(
    `models: ${written.length} written, ${unchanged.length} up to date` +
      (manifestWritten ? '; manifest written' : '; manifest verified') +
      ` (${secs()})`,
  );
  return { written, unchanged, manifestWritten, manifest: built };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  try {
    buildModels({ update: process.argv.includes('--update'), log: (l) => console.log(l) });
  } catch (e) {
    if (e instanceof BuildModelsError) {
      console.error(`build-models: ${e.message}`);
      process.exit(1);
    }
    throw e;
  }
}
