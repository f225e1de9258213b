// Chromium launch settings for camera tests: Debian's browser, fake media devices, no prompts.
import { chromiumArgs, chromiumPath } from '../../e2e/support/chromium';

export { chromiumPath };

export interface LaunchOptions {
  /** A .y4m or .mjpeg clip for Chromium's own fake camera (loops; restarts at each open). */
  clip?: string;
  /** Offer a WebGPU adapter (SwiftShader here: correct but slow, for forced-backend tests). */
  webgpu?: boolean;
  /** Leave out the fake device: the browser then has no camera at all. */
  noCamera?: boolean;
}

/** Arguments for `chromium.launch({ args })`. */
export function launchArgs(o: LaunchOptions = {}): string[] {
  const args = [
    ...chromiumArgs,
    '--use-fake-ui-for-media-stream',
    '--autoplay-policy=no-user-gesture-required',
  ];
  if (!o.noCamera) args.push('--use-fake-device-for-media-stream');
  if (o.clip) args.push(`--use-file-for-fake-video-capture=${o.clip}`);
  if (o.webgpu)
    args.push(
      '--enable-unsafe-webgpu',
      '--use-webgpu-adapter=swiftshader',
      '--enable-features=Vulkan',
    );
  return args;
}
