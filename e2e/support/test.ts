// The suite's test object: the exported kit's fixtures plus an automatic privacy check after
// every test (no image data in any request body, no request to a host other than ours).
import { expectNoImageDataLeft, test as kit } from '../../src/testing/index';
import { apiOrigin, pageOrigin, privateApiOrigin } from './ports';

export const test = kit.extend<{ privacy: void }>({
  privacy: [
    async ({ requests }, use, testInfo) => {
      await use();
      await testInfo.attach('requests.txt', {
        body: requests.map((r) => `${r.method} ${r.url} ${r.body?.length ?? 0}B`).join('\n'),
        contentType: 'text/plain',
      });
      expectNoImageDataLeft(requests, { origins: [pageOrigin, apiOrigin, privateApiOrigin] });
    },
    { auto: true },
  ],
});

export { expect } from '@playwright/test';
