import { defineConfig } from 'vite';
import { faceVerify } from 'face-verify/vite';

// faceVerify(): models/ and runtime/ from the installed package, served in dev and emitted into
// dist/ by the build (SHA-256 checked), plus COOP/COEP in dev so wasm threads work.
export default defineConfig({ plugins: [faceVerify()] });
