// Child process for the kill -9 test: enrols subjects into a SQLite file as fast as it can
// (consent, atomic enrol, a second template, a verification record, sometimes a deletion),
// printing "ok <n>" after each enrolment has committed, until it is killed.
// Usage: node --import tsx enroll-loop.ts <db path> <first subject number>

import { DataKeyring } from '../at-rest';
import { SqliteStore } from '../sqlite';
import { vec } from './fixtures';

const [path, firstArg] = process.argv.slice(2);
if (path === undefined || firstArg === undefined) {
  process.stderr.write('usage: enroll-loop.ts <db path> <first subject number>\n');
  process.exit(2);
}
const keyring = DataKeyring.fromEnv(process.env.FV_DATA_KEY ?? '');
const store = new SqliteStore({ path, keyring });
await store.migrate();

for (let n = Number(firstArg); ; n++) {
  const subjectId = `s${n}`;
  const at = 1_700_000_000_000 + n;
  await store.addConsent({
    consentId: `c${n}`,
    subjectId,
    policyVersion: 'v1',
    purposes: ['verify'],
    sensitive: true,
    guardian: false,
    accepted: true,
    at,
  });
  await store.enroll(
    { subjectId, devicePublicKey: null, createdAt: at },
    { templateId: `${subjectId}-a`, subjectId, modelId: 'm1', vector: vec(n), createdAt: at },
  );
  await store.addTemplate({
    templateId: `${subjectId}-b`,
    subjectId,
    modelId: 'm2',
    vector: vec(n + 1_000_000),
    createdAt: at,
  });
  await store.addVerification({
    id: `v${n}`,
    subjectId,
    kind: 'enroll',
    decision: 'accept',
    score: null,
    at,
  });
  if (n % 7 === 3) await store.deleteSubject(`s${n - 2}`);
  process.stdout.write(`ok ${n}\n`);
}
