import { resolve } from 'node:path';
import { defineConfig } from 'vite';

// COOP/COEP make the page cross-origin isolated so onnxruntime-web can use wasm threads.
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

// Runtime dependencies stay external in the library build; the host's bundler resolves them.
const external = [/^lit/, /^idb/, /^@hpke\//, /^@mediapipe\/tasks-vision/];

export default defineConfig(({ mode }) => ({
  root: '.',
  publicDir: mode === 'lib' ? false : 'public',
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
}));
