// Registers <face-verify>. Importing this module has that one side effect; a second copy of the
// library on the page (or a hot reload) must not throw on re-definition.

import { FaceVerify } from './element/face-verify';

export const TAG = 'face-verify';

export function defineFaceVerify(tag: string = TAG): typeof FaceVerify {
  const existing = customElements.get(tag);
  if (existing) return existing as typeof FaceVerify;
  customElements.define(tag, FaceVerify);
  return FaceVerify;
}

defineFaceVerify();

declare global {
  interface HTMLElementTagNameMap {
    'face-verify': FaceVerify;
  }
}

export { FaceVerify };
