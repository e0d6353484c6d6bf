import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { LOCAL_S3_ENV } from '@vodsr/api';
import { type DevPipeline, startDevPipeline } from '@vodsr/cli';
import { decodeS3EventKey, objectExecutionName } from '@vodsr/core/naming';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ffprobe, makeVideo, tempDir } from './devHelpers.js';

async function getText(dev: DevPipeline, bucket: string, key: string): Promise<string> {
  const res = await dev.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return (await res.Body?.transformToString()) ?? '';
}

async function download(dev: DevPipeline, bucket: string, key: string, to: string): Promise<void> {
  const res = await dev.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  mkdirSync(dirname(to), { recursive: true });
  writeFileSync(to, Buffer.from((await res.Body?.transformToByteArray()) ?? new Uint8Array()));
}

async function listKeys(dev: DevPipeline, bucket: string): Promise<string[]> {
  const res = await dev.s3.send(new ListObjectsV2Command({ Bucket: bucket }));
  return (res.Contents ?? []).map((o) => o.Key ?? '').sort();
}

async function until<T>(what: string, fn: () => T | undefined, ms = 20_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('vodsr dev pipeline (local S3 → trigger handler → local backend → output bucket)', () => {
  let dir: string;
  let dev: DevPipeline;
  beforeAll(async () => {
    dir = tempDir('vodsr-dev-');
    dev = await startDevPipeline({ dataDir: join(dir, 'dev'), s3Port: 0, apiPort: 0 });
  });
  afterAll(async () => {
    await dev?.close();
  });

  it('turns an upload (aws s3 cp) into the SR file and the HLS tree in the output bucket; a redelivered event starts nothing', async () => {
    const clip = makeVideo(dir, 'clip.mp4', { width: 160, height: 120, seconds: 2 });
    expect(dev.model).toBe('lanczos-x2'); // no Bluewhale filters on this machine: the open model, and it says so
    expect(dev.modelNote).toMatch(/not the Bluewhale SR/);

    // the AWS CLI, exactly as a user would upload (async: the S3 server runs in this process), as a multipart
    // upload (threshold lowered), which S3 reports as ObjectCreated:Post
    const awsConfig = join(dir, 'aws-config');
    writeFileSync(awsConfig, '[default]\ns3 =\n  multipart_threshold = 16KB\n');
    await promisify(execFile)(
      'aws',
      [
        's3',
        'cp',
        clip,
        's3://vodsr-in/uploads/clip one.mp4',
        '--endpoint-url',
        dev.s3Endpoint,
        '--only-show-errors',
      ],
      { env: { ...process.env, ...LOCAL_S3_ENV, AWS_CONFIG_FILE: awsConfig } },
    );
    const inv = await until('the trigger', () => dev.invocations[0]);
    const record = inv.event.Records?.[0];
    expect(record?.s3.object.key).toBe('uploads/clip+one.mp4'); // the real S3 format reached the handler
    expect(record?.eventName).toBe('ObjectCreated:Post');
    expect(inv.result?.started).toHaveLength(1);
    const name = inv.result?.started[0]?.name as string;
    expect(name).toBe(objectExecutionName('vodsr-in', 'uploads/clip one.mp4', record?.s3.object.eTag ?? ''));

    const { jobs } = await dev.service.list();
    expect(jobs).toHaveLength(1);
    const jobId = jobs[0]?.id as string;
    const done = await dev.whenPublished(jobId);
    expect(done.job.status, JSON.stringify(done.job.error)).toBe('succeeded');
    expect(done.job.outputs?.notes).toEqual(
      expect.arrayContaining([expect.stringMatching(/Open model lanczos-x2.*not the Bluewhale SR/)]),
    );

    const keys = await listKeys(dev, 'vodsr-out');
    expect(keys).toContain('uploads/clip one_sr_2x.mp4');
    // the HLS folder is made safe (only [A-Za-z0-9._-], a hash when the name had to change), as on AWS
    expect(
      // MediaConvert's hls-single names (the host engine, `vodsr dev`'s default, writes the same tree)
      keys.filter((k) => /^uploads\/hls\/clip_one_sr_2x\.mp4_[0-9a-f]{10}\/clip one_sr_2x\.m3u8$/.test(k)),
    ).toHaveLength(1);
    expect(done.published?.srFile).toBe('s3://vodsr-out/uploads/clip one_sr_2x.mp4');

    // the SR file from the bucket: 2x, with the audio copied
    const local = join(dir, 'dl');
    await download(dev, 'vodsr-out', 'uploads/clip one_sr_2x.mp4', join(local, 'sr.mp4'));
    const sr = ffprobe(join(local, 'sr.mp4'));
    expect(sr.streams.find((s) => s.codec_type === 'video')).toMatchObject({ width: 320, height: 240 });
    expect(sr.streams.some((s) => s.codec_type === 'audio')).toBe(true);

    // the HLS tree from the bucket plays: every key below the HLS prefix, then ffprobe the master playlist
    const master = done.published?.hlsMaster as string;
    const hlsPrefix = String(done.published?.hlsPrefix).replace('s3://vodsr-out/', '');
    for (const k of keys.filter((k) => k.startsWith(hlsPrefix)))
      await download(dev, 'vodsr-out', k, join(local, 'hls', k.slice(hlsPrefix.length)));
    const masterText = await getText(dev, 'vodsr-out', master.replace('s3://vodsr-out/', ''));
    expect(masterText).toMatch(/^#EXTM3U/);
    const hls = ffprobe(join(local, 'hls', master.slice(`s3://vodsr-out/${hlsPrefix}`.length)));
    expect(hls.streams.find((s) => s.codec_type === 'video')).toMatchObject({ width: 320, height: 240 });
    expect(Number(hls.format.duration)).toBeGreaterThan(1.5);

    // the viewer of `vodsr dev` plays the source straight from the local S3 (byte ranges for <video>)
    const media = (await (await fetch(`${dev.apiUrl}/v1/jobs/${jobId}/media`)).json()) as {
      source: { url: string; sizeBytes: number };
      hls: { url: string };
    };
    expect(media.source.sizeBytes).toBe(statSync(clip).size);
    const part = await fetch(`${dev.apiUrl}${media.source.url}`, { headers: { range: 'bytes=0-1023' } });
    expect(part.status).toBe(206);
    expect(Buffer.from(await part.arrayBuffer()).equals(readFileSync(clip).subarray(0, 1024))).toBe(true);
    expect(await (await fetch(`${dev.apiUrl}${media.hls.url}`)).text()).toMatch(/^#EXTM3U/);

    // S3 delivers at least once: the same event again starts nothing new
    const again = await dev.deliver(inv.event);
    expect(again.started).toHaveLength(0);
    expect(again.existing).toEqual([{ key: 'uploads/clip one.mp4', name }]);
    expect((await dev.service.list()).jobs).toHaveLength(1);
  });

  it('handles a hostile key as data: no shell runs it, the outputs land under that name', async () => {
    const clip = makeVideo(dir, 'clip2.mp4', { width: 160, height: 120, seconds: 2, audio: false });
    const key = 'evil/a b+c;$(touch PWNED);`touch PWNED`\'"é.mp4';
    const before = dev.invocations.length;
    await dev.s3.send(
      new PutObjectCommand({
        Bucket: 'vodsr-in',
        Key: key,
        Body: readFileSync(clip),
        ContentType: 'video/mp4',
      }),
    );
    // and a non-video next to it: ignored by the trigger
    await dev.s3.send(new PutObjectCommand({ Bucket: 'vodsr-in', Key: 'evil/notes.txt', Body: 'hello' }));
    const inv = await until('the trigger', () => dev.invocations[before]);
    expect(inv.result?.started.map((s) => s.key)).toEqual([key]);
    // the local S3 server's raw event reaches the trigger in the real S3 format: URL-encoded key (+ for space)
    const record = inv.event.Records?.[0];
    expect(record?.s3.object.key).toMatch(/^evil\/a\+b%2Bc%3B%24%28touch\+PWNED%29%3B/);
    expect(record?.s3.object.key).not.toMatch(/[ ;$()'"`]/);
    expect(decodeS3EventKey(record?.s3.object.key ?? '')).toBe(key);
    expect(record).toMatchObject({
      eventSource: 'aws:s3',
      eventName: 'ObjectCreated:Put',
      s3: { bucket: { name: 'vodsr-in', arn: 'arn:aws:s3:::vodsr-in' } },
    });
    const ignored = await until('the second trigger call', () => dev.invocations[before + 1]);
    expect(ignored.result?.ignored[0]?.reason).toMatch(/not a video suffix/);

    const job = (await dev.service.list()).jobs.find((j) => j.spec.source === `s3://vodsr-in/${key}`);
    expect(job).toBeDefined();
    const done = await dev.whenPublished(job?.id as string);
    expect(done.job.status, JSON.stringify(done.job.error)).toBe('succeeded');
    const srKey = 'evil/a b+c;$(touch PWNED);`touch PWNED`\'"é_sr_2x.mp4';
    expect(done.published?.srFile).toBe(`s3://vodsr-out/${srKey}`);
    const keys = await listKeys(dev, 'vodsr-out');
    expect(keys).toContain(srKey);
    // the master playlist (MediaConvert's hls-single name: the SR file's stem), next to its variant
    expect(keys.some((k) => k.startsWith('evil/hls/') && k.endsWith(`/${srKey.slice(5, -4)}.m3u8`))).toBe(
      true,
    );
    // HLS folder names are made safe: only [A-Za-z0-9._-]
    for (const k of keys.filter((k) => k.startsWith('evil/hls/')))
      expect(k).toMatch(/^evil\/hls\/[A-Za-z0-9._-]+\//);
    await download(dev, 'vodsr-out', srKey, join(dir, 'dl2', 'sr.mp4'));
    const sr = ffprobe(join(dir, 'dl2', 'sr.mp4'));
    expect(sr.streams.find((s) => s.codec_type === 'video')).toMatchObject({ width: 320, height: 240 });
    expect(sr.streams.some((s) => s.codec_type === 'audio')).toBe(false);
    // nothing ran the key: no PWNED file anywhere a shell could have created it
    expect(existsSync(join(process.cwd(), 'PWNED'))).toBe(false);
    expect(
      readdirSync(dir, { recursive: true })
        .map(String)
        .filter((p) => p.endsWith('PWNED')),
    ).toEqual([]);
  });

  it('stops cleanly mid-job (Ctrl-C): servers close, and the next start re-runs and publishes the job', async () => {
    const long = makeVideo(dir, 'long.mp4', { width: 320, height: 180, seconds: 4, audio: false });
    await dev.s3.send(
      new PutObjectCommand({ Bucket: 'vodsr-in', Key: 'late/long.mp4', Body: readFileSync(long) }),
    );
    const running = await (async () => {
      const t0 = Date.now();
      for (;;) {
        const j = (await dev.service.list()).jobs.find(
          (x) => x.spec.source === 's3://vodsr-in/late/long.mp4',
        );
        if (j?.status === 'upscaling') return j;
        if (Date.now() - t0 > 20_000) throw new Error(`job never started upscaling: ${j?.status}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const s3 = dev.s3Endpoint;
    const api = dev.apiUrl;
    expect((await fetch(`${api}/healthz`)).status).toBe(200);
    const t0 = Date.now();
    await dev.close();
    expect(Date.now() - t0).toBeLessThan(5_000);
    await expect(fetch(`${api}/healthz`)).rejects.toThrow();
    await expect(fetch(s3)).rejects.toThrow();

    const again = await startDevPipeline({ dataDir: join(dir, 'dev'), s3Port: 0, apiPort: 0, viewer: false });
    try {
      const done = await again.whenPublished(running.id);
      expect(done.job.status).toBe('succeeded');
      expect(done.job.attempts).toBe(2);
      expect(done.job.outputs?.notes?.[0]).toMatch(/Attempt 1 was interrupted.*VODSR_WORKER_LOST/);
      expect(done.published?.srFile).toBe('s3://vodsr-out/late/long_sr_2x.mp4');
      // the finished jobs of the first run are not run again, and stay published
      const { jobs } = await again.service.list();
      expect(jobs.map((j) => j.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
      const first = jobs.find((j) => j.spec.source === 's3://vodsr-in/uploads/clip one.mp4');
      expect(first?.attempts).toBe(1);
      expect((await again.whenPublished(first?.id as string)).published?.srFile).toBe(
        's3://vodsr-out/uploads/clip one_sr_2x.mp4',
      );
    } finally {
      await again.close();
    }
  });
});
