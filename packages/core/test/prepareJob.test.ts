import {
  decodeHostJob,
  parseJobSpec,
  parseS3Uri,
  prepareJob,
  ValidationError,
  type WorkflowInput,
} from '@vodsr/core';
import { BASE_HOST_HLS } from '@vodsr/core/host-job-cases';
import { createTriggerHandler, mirroredOutputRoot } from '@vodsr/core/ingest';
import { fitFileName, HLS_FILE_NAME_BUDGET, MAX_S3_KEY_BYTES, utf8Length } from '@vodsr/core/naming';
import { describe, expect, it } from 'vitest';

const keyBytes = (uri: string) => utf8Length(parseS3Uri(uri).key);

describe('fitFileName', () => {
  it('keeps a name that fits and shortens one that does not, deterministically, keeping the extension', () => {
    expect(fitFileName('apink_10s_sr_2x.mp4')).toBe('apink_10s_sr_2x.mp4');
    const long = `${'비'.repeat(120)}.mp4`; // 364 bytes
    const a = fitFileName(long, 255);
    expect(utf8Length(a)).toBeLessThanOrEqual(255);
    expect(a.endsWith('.mp4')).toBe(true);
    expect(a).toBe(fitFileName(long, 255));
    expect(a).not.toBe(fitFileName(`${'비'.repeat(119)}x.mp4`, 255));
    expect(a).not.toMatch(/\uFFFD/); // never splits a character
  });
});

describe('prepareJob with names near the limits', () => {
  it('shortens the SR name of a 1,000-byte key so the SR file and every HLS key fit 1,024 bytes', () => {
    const key = `${'d'.repeat(200)}/${'e'.repeat(790)}.mp4`;
    expect(utf8Length(key)).toBeGreaterThan(990);
    const job = parseJobSpec({ source: `s3://in-bucket/${key}` });
    const input = prepareJob(job, {
      jobId: 'j1',
      outputRoot: mirroredOutputRoot('s3://out-bucket/results/', key),
    });
    expect(keyBytes(input.srFile)).toBeLessThanOrEqual(MAX_S3_KEY_BYTES);
    expect(keyBytes(input.hlsDestination) + HLS_FILE_NAME_BUDGET).toBeLessThanOrEqual(MAX_S3_KEY_BYTES);
    expect(input.job.srName).toMatch(/^e+~[0-9a-f]{10}\.mp4$/);
    // the host receives the same, shortened, output
    expect(decodeHostJob(input.hostJobB64).output).toBe(input.srFile);
  });

  it('fits a 250-byte local file name to a 255-byte path segment', () => {
    const name = `${'x'.repeat(246)}.mp4`;
    const job = parseJobSpec({ source: `/videos/${name}`, output: '/tmp/out/' });
    const input = prepareJob(job, { jobId: 'j2', outputRoot: '/unused' });
    const seg = input.srFile.split('/').pop() as string;
    expect(utf8Length(seg)).toBeLessThanOrEqual(255);
    expect(seg.endsWith('_sr_2x.mp4') || /~[0-9a-f]{10}\.mp4$/.test(seg)).toBe(true);
    for (const part of input.hlsDestination.split('/')) expect(utf8Length(part)).toBeLessThanOrEqual(255);
  });

  it('refuses an output prefix that leaves no room, naming the limit', () => {
    const job = parseJobSpec({
      source: 's3://in-bucket/a.mp4',
      output: `s3://out-bucket/${'p'.repeat(1000)}/`,
    });
    let err: unknown;
    try {
      prepareJob(job, { jobId: 'j3', outputRoot: 's3://unused-bucket/' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ValidationError);
    const issue = (err as ValidationError).issues[0];
    expect(issue?.path).toBe('/output');
    expect(issue?.message).toMatch(/1024 UTF-8 bytes/);
  });

  it('refuses a prefix with room for the SR file but not for HLS names, unless there is no packaging', () => {
    const output = `s3://out-bucket/${'p'.repeat(870)}/`;
    const job = parseJobSpec({ source: 's3://in-bucket/a.mp4', output });
    expect(() => prepareJob(job, { jobId: 'j4', outputRoot: output })).toThrow(/playlist and segment names/);
    const none = parseJobSpec({ source: 's3://in-bucket/a.mp4', output, packaging: { preset: 'none' } });
    expect(keyBytes(prepareJob(none, { jobId: 'j4', outputRoot: output }).srFile)).toBeLessThanOrEqual(1024);
  });
});

describe('mirroredOutputRoot', () => {
  it("mirrors the key's folders made safe, and hashes the ones that would not leave room", () => {
    expect(mirroredOutputRoot('s3://out-bucket/', 'movies/2024/a b.mp4')).toMatch(
      /^s3:\/\/out-bucket\/movies\/2024\/$/,
    );
    const deep = `${Array.from({ length: 12 }, (_, i) => `${i}`.repeat(90)).join('/')}/a.mp4`;
    const root = mirroredOutputRoot('s3://out-bucket/r/', deep);
    expect(keyBytes(root)).toBeLessThanOrEqual(MAX_S3_KEY_BYTES - 300);
    expect(root).toBe(mirroredOutputRoot('s3://out-bucket/r/', deep));
    expect(root).toMatch(/\/[0-9a-f]{10}\/$/);
  });
});

describe('createTriggerHandler with keys near the limit', () => {
  it('accepts a 1,020-byte key of many folders and a 250-byte file name with shortened names', async () => {
    const keys = [
      `${Array.from({ length: 10 }, () => 'f'.repeat(95)).join('/')}/${'g'.repeat(60)}.mp4`,
      `${'h'.repeat(246)}.mp4`,
      `${'é'.repeat(505)}.mp4`,
    ];
    const started: WorkflowInput[] = [];
    const handler = createTriggerHandler({
      start: async (_name, input) => {
        started.push(input);
        return 'started';
      },
      config: { outputRoot: 's3://out-bucket/', instanceId: 'i-0123456789abcdef0' },
      log: () => undefined,
    });
    const result = await handler({
      Records: keys.map((key, i) => ({
        eventName: 'ObjectCreated:Put',
        s3: {
          bucket: { name: 'in-bucket' },
          object: { key: encodeURIComponent(key).replace(/%2F/g, '/'), size: 1000, sequencer: `s${i}` },
        },
      })),
    });
    expect(result.failed).toEqual([]);
    expect(started).toHaveLength(3);
    for (const input of started) {
      expect(keyBytes(input.srFile)).toBeLessThanOrEqual(MAX_S3_KEY_BYTES);
      expect(keyBytes(input.hlsDestination) + HLS_FILE_NAME_BUDGET).toBeLessThanOrEqual(MAX_S3_KEY_BYTES);
    }
  });
});

describe('prepareJob and the host contract', () => {
  it('gives a source in a container the host cannot write an .mp4 SR file', () => {
    const input = prepareJob(parseJobSpec({ source: 's3://in-bucket/clip.webm' }), {
      jobId: 'j',
      outputRoot: 's3://out-bucket/',
    });
    expect(input.srFile).toBe('s3://out-bucket/clip_sr_2x.mp4');
    expect(decodeHostJob(input.hostJobB64).output).toBe(input.srFile);
  });

  it('refuses at submit what the host would refuse, with the host rule path', () => {
    const job = parseJobSpec({ source: 's3://in-bucket/a.mp4', srName: 'a.webm' });
    let err: unknown;
    try {
      prepareJob(job, { jobId: 'j', outputRoot: 's3://out-bucket/' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).issues.map((i) => i.path)).toEqual(['/hostJob/output']);
  });
});

describe('prepareJob and the packaging engine', () => {
  const plan = (preset: string, o: { destination: string; srFileName: string; segmentSeconds: number }) => ({
    ...BASE_HOST_HLS,
    steps: [...BASE_HOST_HLS.steps],
    preset: preset as 'hls-ladder',
    destination: o.destination,
    segmentSeconds: o.segmentSeconds,
  });
  const job = (extra: Record<string, unknown> = {}) =>
    parseJobSpec({ source: 's3://vin/a.mp4', packaging: { preset: 'hls-ladder' }, ...extra });

  it("applies the entry point's default engine, and a job's own engine wins", () => {
    const ctx = { jobId: 'j1', outputRoot: 's3://vout/', hostHlsPlan: plan };
    expect(prepareJob(job(), ctx).packagingEngine).toBe('mediaconvert');
    const local = prepareJob(job(), { ...ctx, packagingEngine: 'host' });
    expect(local.packagingEngine).toBe('host');
    const host = decodeHostJob(local.hostJobB64);
    expect(host.hls).toMatchObject({ destination: 's3://vout/hls/a_sr_2x.mp4/', segmentSeconds: 10 });
    const mc = prepareJob(job({ packaging: { preset: 'hls-ladder', engine: 'mediaconvert' } }), {
      ...ctx,
      packagingEngine: 'host',
    });
    expect(mc.packagingEngine).toBe('mediaconvert');
    expect(decodeHostJob(mc.hostJobB64).hls).toBeUndefined();
  });

  it('HLS only needs the host engine and a planner; the host job then writes no SR file', () => {
    const ctx = { jobId: 'j1', outputRoot: 's3://vout/', hostHlsPlan: plan };
    expect(() => prepareJob(job({ srFile: false }), ctx)).toThrow(/srFile/);
    expect(() =>
      prepareJob(job(), { jobId: 'j1', outputRoot: 's3://vout/', packagingEngine: 'host' }),
    ).toThrow(/hostHlsPlan/);
    const hlsOnly = prepareJob(job({ srFile: false }), { ...ctx, packagingEngine: 'host' });
    expect(decodeHostJob(hlsOnly.hostJobB64).srFile).toBe(false);
    expect(() =>
      parseJobSpec({ source: 's3://vin/a.mp4', srFile: false, packaging: { preset: 'none' } }),
    ).toThrow(/srFile/);
  });
});
