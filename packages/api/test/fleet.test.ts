import { join } from 'node:path';
import { buildApp, LocalJobService } from '@vodsr/api';
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers.js';

const TOKEN = 'test-token-0123456789abcdef';
const auth = { authorization: `Bearer ${TOKEN}` };

describe('GET /v1/fleet', () => {
  it("returns the local fleet's hosts, slots and queues, and 404 without a fleet", async () => {
    // Prepare
    const dir = tempDir();
    const withFleet = await LocalJobService.open({
      dataDir: join(dir, 'fleet'),
      outputRoot: join(dir, 'out'),
      fleet: { hosts: 2, slots: 2 },
    });
    const without = await LocalJobService.open({ dataDir: join(dir, 'plain'), outputRoot: join(dir, 'out') });
    const app = await buildApp({ service: withFleet, auth: { tokens: [TOKEN] } });
    const plain = await buildApp({ service: without, auth: { tokens: [TOKEN] } });
    try {
      // Act
      const res = await app.inject({ method: 'GET', url: '/v1/fleet', headers: auth });
      const none = await plain.inject({ method: 'GET', url: '/v1/fleet', headers: auth });
      // Assess
      expect(res.statusCode).toBe(200);
      const body = res.json() as {
        hosts: { instanceId: string; slots: { slot: number; state: string }[] }[];
        queues: Record<string, { visible: number }>;
        waitingJobs: number;
      };
      expect(body.hosts).toHaveLength(2);
      for (const h of body.hosts) expect(h.slots.map((s) => s.state)).toEqual(['free', 'free']);
      expect(Object.keys(body.queues).sort()).toEqual(['bulk', 'interactive']);
      expect(body.waitingJobs).toBe(0);
      expect(none.statusCode).toBe(404);
      expect(none.json()).toMatchObject({ code: 'VODSR_NOT_FOUND' });
    } finally {
      await app.close();
      await plain.close();
      await withFleet.close();
      await without.close();
    }
  });
});
