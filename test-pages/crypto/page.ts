// Browser side of src/api/client.pw.ts: the real IndexedDB store, WebCrypto keys and client.

import { createApiClient, ApiError } from '../../src/api/client';
import { exportPublicKeyRaw } from '../../src/crypto/keys';
import { toBase64Url } from '../../src/protocol/encoding';
import type { SessionResponse } from '../../src/protocol/api';
import { LocalStore } from '../../src/storage/db';

const DB = 'face-verify-test';

function evidence(s: SessionResponse, now: number) {
  const n = s.challenges.length;
  return s.challenges.map((kind, i) => ({
    kind,
    promptedAt: now - (n - i) * 1500 - 600,
    startedAt: now - (n - i) * 1500,
    completedAt: now - (n - i) * 1500 + 900,
    score: 0.9,
  }));
}

const api = {
  async deviceKeyInfo() {
    const store = await LocalStore.open(DB);
    try {
      const keys = await store.deviceKey();
      let exportable = true;
      try {
        await crypto.subtle.exportKey('pkcs8', keys.privateKey);
      } catch {
        exportable = false;
      }
      return {
        extractable: keys.privateKey.extractable,
        exportable,
        publicKey: toBase64Url(await exportPublicKeyRaw(keys.publicKey)),
      };
    } finally {
      store.close();
    }
  },

  async localRecords() {
    const store = await LocalStore.open(DB);
    try {
      await store.putConsent({
        subject: 'u-1',
        policyVersion: 'p1',
        purposes: ['verify'],
        sensitive: true,
        guardian: false,
        outcome: 'accepted',
        mode: 'verify',
        lang: 'en',
        at: 1,
      });
      await store.setPreference('cameraId', 'cam-42');
      const accepted = (await store.acceptedConsent('u-1', 'p1')) !== null;
      const otherPolicy = (await store.acceptedConsent('u-1', 'p2')) !== null;
      const camera = await store.getPreference('cameraId');
      await store.clear();
      return {
        accepted,
        otherPolicy,
        camera,
        afterClear: {
          consents: (await store.listConsents()).length,
          camera: await store.getPreference('cameraId'),
          hasKey: await store.hasDeviceKey(),
        },
      };
    } finally {
      store.close();
    }
  },

  /** Consent, enrol and verify through the real client; the test routes /fv/ to the server app. */
  async flow(subjectId: string, vector: number[]) {
    const store = await LocalStore.open(DB);
    // The host backend (the test routes /host/grant) authorises every session.
    const client = createApiClient({
      endpoint: '/fv',
      deviceKey: () => store.deviceKey(),
      getGrant: async (request) =>
        (
          (await (
            await fetch('/host/grant', { method: 'POST', body: JSON.stringify(request) })
          ).json()) as { grant: string }
        ).grant,
    });
    try {
      const quality = { score: 0.9, brightness: 0.5, sharpness: 0.6, faceRatio: 0.3 };
      const capture = (s: SessionResponse) => ({
        modelId: s.modelIds[0] as string,
        vectors: [Float32Array.from(vector)],
        liveness: evidence(s, Date.now()),
        antiSpoof: 0.9,
        quality,
      });
      const sc = await client.createSession('enroll', subjectId);
      await client.recordConsent({
        sessionId: sc.sessionId,
        subjectId,
        policyVersion: 'sha256-test',
        purposes: ['enroll', 'verify'],
        sensitive: true,
        guardian: false,
        accepted: true,
      });
      const se = await client.createSession('enroll', subjectId);
      const enrolled = await client.enroll(se, capture(se));
      const sv = await client.createSession('verify', subjectId);
      const verified = await client.verify(sv, capture(sv));
      const replay = await client.verify(sv, capture(sv)).catch((e: unknown) => e);
      return {
        enrolled: enrolled.subjectId,
        decision: verified.decision,
        score: verified.score,
        replayCode: replay instanceof ApiError ? replay.code : String(replay),
      };
    } finally {
      store.close();
    }
  },

  async networkError() {
    const client = createApiClient({
      endpoint: 'http://127.0.0.1:9/fv',
      deviceKey: async () => ({}) as CryptoKeyPair,
    });
    const e = await client.createSession('identify').catch((x: unknown) => x);
    return e instanceof ApiError ? e.code : String(e);
  },
};

declare global {
  interface Window {
    cryptoTest: typeof api;
  }
}

window.cryptoTest = api;
document.getElementById('status')!.textContent = 'ready';
