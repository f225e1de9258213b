// The repository's own tests launch the browser the QA kit finds (src/testing/launch.ts):
// FV_CHROMIUM, then Debian's /usr/bin/chromium, then a Playwright-installed one, then Chrome.
import { chromiumArgs, chromiumPath as findChromium } from '../../src/testing/launch';

export { chromiumArgs };
export const chromiumPath = findChromium();
