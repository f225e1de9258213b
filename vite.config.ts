import { resolve } from 'node:path';
import { defineConfig } from 'vite';
import { faceVerify } from './src/vite/plugin';

// COOP/COEP make the page cross-origin isolated so onnxruntime-web can use wasm threads.
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

// Runtime dependencies stay external in the library build; the host's bundler resolves them.
const external = [/^lit/, /^idb/, /^@hpke\//, /^@mediapipe\/tasks-vision/];

// `npm run build` (mode node): the Node entries, bundled so their relative imports (the QA kit's
// clip renderer in scripts/fake-camera/, the shared protocol code) are inside the package and
// Node can run them without TypeScript. Every package import stays external. dist/node/ sits two
// levels deep like src/<area>/, so `new URL('../../public/…', import.meta.url)` finds the same
// files in the repository and in the installed package.
const nodeEntries = {
  server: resolve('src/server/index.ts'),
  testing: resolve('src/testing/index.ts'),
  vite: resolve('src/vite/plugin.ts'),
  cli: resolve('src/cli/main.ts'),
  // Started by the SQLite store as `new URL('./checkpointer-worker.js', import.meta.url)`.
  'checkpointer-worker': resolve('src/server/store/checkpointer-worker.js'),
};
const nodeBuild = defineConfig({
  publicDir: false,
  build: {
    outDir: 'dist/node',
    emptyOutDir: true,
    target: 'node20',
    ssr: true,
    sourcemap: true,
    minify: false,
    rollupOptions: {
      input: nodeEntries,
      external: (id) => !id.startsWith('.') && !id.startsWith('/') && !id.startsWith('\0'),
      output: {
        format: 'es',
        entryFileNames: '[name].js',
        chunkFileNames: '[name]-[hash].js',
      },
    },
  },
});

export default defineConfig(({ mode }) =>
  mode === 'node'
    ? nodeBuild
    : {
        root: '.',
        // Library: the worker's URL stays relative to the module (`new URL('assets/worker-….js',
        // import.meta.url)`), so the host's bundler finds and emits it; '/' would point at the
        // host's site root, where no bundler puts it.
        ...(mode === 'lib' ? { base: './' } : {}),
        // models/ and runtime/ come from the face-verify plugin (as in an integrator's app):
        // SHA-256 checked, brotli/gzip with Content-Encoding, versioned URLs immutable.
        publicDir: false,
        plugins: mode === 'lib' ? [] : [faceVerify()],
        server: { headers: isolation },
        preview: { headers: isolation },
        worker: { format: 'es' },
        build:
          mode === 'lib'
            ? {
                // `npm run build`: the element as an ESM library (declarations come from tsc).
                outDir: 'dist',
                emptyOutDir: true,
                sourcemap: true,
                target: 'es2022',
                lib: {
                  entry: { index: resolve('src/index.ts'), define: resolve('src/define.ts') },
                  formats: ['es'],
                },
                rollupOptions: { external },
              }
            : {
                // `npm run build:demo`: the demo page as a static site (models and runtimes copied).
                outDir: 'dist-demo',
                emptyOutDir: true,
                target: 'es2022',
                rollupOptions: { input: resolve('demo/index.html') },
              },
      },
);
