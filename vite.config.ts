import { defineConfig } from 'vite';

// COOP/COEP make the page cross-origin isolated so onnxruntime-web can use wasm threads.
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  root: '.',
  publicDir: 'public',
  server: { headers: isolation },
  preview: { headers: isolation },
  worker: { format: 'es' },
});
