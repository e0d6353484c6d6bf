import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { LOCAL_S3_ENV } from '@vodsr/api';
import { type DevPipeline, startDevPipeline } from '@vodsr/cli';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeVideo, tempDir } from './devHelpers.js';

// Issue 13.2: every valid S3 key is stored safely and round-trips exactly through `vodsr dev`'s local S3 server,
// with Debian's AWS CLI v2 as a user would upload; nothing lands outside the data dir; no request ends the process.

const AWS = existsSync('/usr/bin/aws') ? '/usr/bin/aws' : 'aws';
const run = promisify(execFile);

function walk(root: string): string[] {
  if (!existsSync(root)) return [];
  const out: string[] = [];
  const go = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      out.push(p);
      if (e.isDirectory()) go(p);
    }
  };
  go(root);
  return out;
}

describe('the local S3 server of vodsr dev', () => {
  let dir: string;
  let dev: DevPipeline;
  let aws: (...args: string[]) => Promise<string>;
  beforeAll(async () => {
    dir = tempDir('vodsr-s3keys-');
    dev = await startDevPipeline({ dataDir: join(dir, 'dev'), s3Port: 0, apiPort: 0, viewer: false });
    aws = async (...args: string[]) =>
      (
        await run(AWS, [...args, '--endpoint-url', dev.s3Endpoint], {
          env: { ...process.env, ...LOCAL_S3_ENV, AWS_CONFIG_FILE: join(dir, 'none') },
          maxBuffer: 64 * 1024 * 1024,
        })
      ).stdout;
  }, 120_000);
  afterAll(async () => {
    await dev?.close();
  });

  it('round-trips every valid key byte-exact and writes nothing outside its data dir', async () => {
    const clip = makeVideo(dir, 'clip.mp4', { seconds: 1 });
    const bytes = readFileSync(clip);
    const tmpBefore = new Set(readdirSync('/tmp'));
    const keys = [
      `${'a'.repeat(1020)}.mp4`, // one 1,024-byte segment
      `${'abc/'.repeat(254)}xyzw.mp4`, // 1,024 bytes in 255 segments
      '../../../../tmp/vodsr-ESCAPED/ESCAPED.mp4',
      'up/../../x/%2e%2e/%41 100%+plus sign.mp4',
      'line\nbreak/and\ttab/é😀 emoji.mp4',
      `seg/${'ü'.repeat(150)}.mp4`, // a 300-byte segment: once an ENAMETOOLONG crash
      '..',
      './.',
    ];
    for (const key of keys) {
      expect(Buffer.byteLength(key), key.slice(0, 40)).toBeLessThanOrEqual(1024);
      await aws('s3', 'cp', clip, `s3://vodsr-in/${key}`, '--only-show-errors');
      const head = JSON.parse(await aws('s3api', 'head-object', '--bucket', 'vodsr-in', '--key', key)) as {
        ContentLength: number;
      };
      expect(head.ContentLength).toBe(bytes.length);
      const to = join(dir, 'got.bin');
      await aws('s3api', 'get-object', '--bucket', 'vodsr-in', '--key', key, to);
      expect(readFileSync(to).equals(bytes), key.slice(0, 40)).toBe(true);
    }
    const listed = JSON.parse(await aws('s3api', 'list-objects-v2', '--bucket', 'vodsr-in')) as {
      Contents: Array<{ Key: string }>;
    };
    expect(listed.Contents.map((c) => c.Key).sort()).toEqual([...keys].sort());

    // nothing outside the data dir: not in the test folder around it, not in /tmp
    const outside = walk(dir).filter(
      (p) => !p.startsWith(join(dir, 'dev')) && !/\/(clip\.mp4|got\.bin)$/.test(p),
    );
    expect(outside.map((p) => relative(dir, p))).toEqual([]);
    expect([...readdirSync('/tmp')].filter((n) => !tmpBefore.has(n) && /ESCAPED/.test(n))).toEqual([]);
    expect(existsSync('/tmp/vodsr-ESCAPED')).toBe(false);
    // and every file name inside it is short, whatever the key
    for (const p of walk(join(dir, 'dev')))
      expect(Buffer.byteLength(p.split('/').pop() ?? '')).toBeLessThan(255);
  }, 400_000);

  it('turns an upload under a hostile key into a job', async () => {
    const clip = makeVideo(dir, 'clip3.mp4', { seconds: 1 });
    const key = `in/..%+\n😀/${'ß'.repeat(130)}.mp4`;
    await aws('s3', 'cp', clip, `s3://vodsr-in/${key}`, '--only-show-errors');
    const deadline = Date.now() + 120_000;
    let job: { spec: { source: string } } | undefined;
    while (!job && Date.now() < deadline) {
      job = (await dev.service.list()).jobs.find((j) => j.spec.source === `s3://vodsr-in/${key}`);
      if (!job) await new Promise((r) => setTimeout(r, 200));
    }
    expect(job?.spec.source).toBe(`s3://vodsr-in/${key}`);
  }, 200_000);
});
