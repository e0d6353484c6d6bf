import { executionName, parseLocation, parseS3Uri } from '@vodsr/core';
import {
  assertObjectKey,
  bucketNameProblems,
  decodeS3EventKey,
  encodeS3EventKey,
  formatS3Uri,
  hlsDirName,
  joinLocation,
  MAX_EXECUTION_NAME,
  safeSegment,
  srOutputName,
} from '@vodsr/core/naming';
import { describe, expect, it } from 'vitest';

export const HOSTILE_KEYS = [
  'a;b.mp4',
  '$(touch canary).mp4',
  '`touch canary`.mp4',
  `it's "quoted".mp4`,
  'with space.mp4',
  'plus+sign.mp4',
  'new\nline.mp4',
  '유니코드 동영상.mp4',
  '-leading-dash.mp4',
  'dir/../..//x?#%20&|<>.mp4',
  `${'x'.repeat(1010)}.mp4`,
];

describe('srOutputName', () => {
  it('derives the name the use case derives', () => {
    expect(srOutputName('apink_10s.mp4', 2)).toBe('apink_10s_sr_2x.mp4');
    expect(srOutputName('movies/2024/clip.MOV', 4)).toBe('clip_sr_4x.MOV');
    expect(srOutputName('noext', 2)).toBe('noext_sr_2x.mp4');
  });
});

describe('hlsDirName / safeSegment', () => {
  it('keeps the use case layout for safe names', () => {
    expect(hlsDirName('apink_10s_sr_2x.mp4')).toBe('hls/apink_10s_sr_2x.mp4/');
  });

  it('makes hostile names safe and keeps different names apart', () => {
    const a = safeSegment('a $dt$ b.mp4');
    const b = safeSegment('a $rv$ b.mp4');
    expect(a).toMatch(/^[A-Za-z0-9._-]+$/);
    expect(a).not.toBe(b);
    expect(safeSegment('..')).toMatch(/^[0-9a-f]{10}$/);
    for (const k of HOSTILE_KEYS) {
      const s = safeSegment(k);
      expect(s).toMatch(/^[A-Za-z0-9._-]+$/);
      expect(s.length).toBeLessThanOrEqual(100);
    }
  });
});

describe('parseS3Uri / formatS3Uri', () => {
  it('takes keys verbatim, hostile characters included', () => {
    for (const key of HOSTILE_KEYS) {
      const uri = `s3://input-bucket/${key}`;
      expect(parseS3Uri(uri)).toEqual({ bucket: 'input-bucket', key });
      expect(formatS3Uri({ bucket: 'input-bucket', key })).toBe(uri);
    }
  });

  it('rejects non-URIs, bad buckets and over-long keys with coded errors', () => {
    expect(() => parseS3Uri('https://x/y')).toThrow(
      expect.objectContaining({ code: 'VODSR_INVALID_S3_URI' }),
    );
    expect(() => parseS3Uri('s3://Bad_Bucket/k')).toThrow(
      expect.objectContaining({ code: 'VODSR_INVALID_BUCKET' }),
    );
    expect(() => parseS3Uri(`s3://ok-bucket/${'k'.repeat(1025)}`)).toThrow(
      expect.objectContaining({ code: 'VODSR_INVALID_KEY' }),
    );
    expect(() => parseS3Uri('s3://ok-bucket/', { requireKey: true })).toThrow(/names no object/);
    expect(() => assertObjectKey('\ud800x')).toThrow(/lone surrogate/);
    // 1,024 bytes of multi-byte UTF-8 is fine; 1,025 is not
    expect(() => assertObjectKey(`${'가'.repeat(341)}a`)).not.toThrow();
    expect(() => assertObjectKey('가'.repeat(342))).toThrow(/1026 UTF-8 bytes/);
  });

  it('lists every broken bucket rule', () => {
    expect(bucketNameProblems('bluewhale-ami-sample')).toEqual([]);
    expect(bucketNameProblems('-A..')).toEqual([
      'must use only lowercase letters, digits, dots and hyphens',
      'must begin and end with a letter or digit',
      'must not contain two adjacent dots',
    ]);
    expect(bucketNameProblems('192.168.1.1')).toContain('must not be formatted as an IP address');
  });
});

describe('parseLocation / joinLocation', () => {
  it('tells S3 from local paths and joins prefixes', () => {
    expect(parseLocation('s3://out/p/')).toEqual({ kind: 's3', bucket: 'out', key: 'p/' });
    expect(parseLocation('./videos/a.mp4')).toEqual({ kind: 'file', path: './videos/a.mp4' });
    expect(parseLocation('file:///tmp/a%20b.mp4')).toEqual({ kind: 'file', path: '/tmp/a b.mp4' });
    expect(() => parseLocation('http://x/y.mp4')).toThrow(
      expect.objectContaining({ code: 'VODSR_INVALID_LOCATION' }),
    );
    expect(joinLocation('s3://out', 'a.mp4')).toBe('s3://out/a.mp4');
    expect(joinLocation('s3://out/p', 'hls/a/')).toBe('s3://out/p/hls/a/');
    expect(joinLocation('/tmp/out/', 'a.mp4')).toBe('/tmp/out/a.mp4');
  });
});

describe('decodeS3EventKey', () => {
  it('decodes + and percent-encoding as S3 events deliver keys', () => {
    expect(decodeS3EventKey('my+video%2B1.mp4')).toBe('my video+1.mp4');
    expect(decodeS3EventKey('%EC%9C%A0%EB%8B%88.mp4')).toBe('유니.mp4');
    expect(decodeS3EventKey('a%0Ab%3B%24%28x%29.mp4')).toBe('a\nb;$(x).mp4');
  });

  it('inverts encodeS3EventKey for every hostile key', () => {
    for (const k of HOSTILE_KEYS) expect(decodeS3EventKey(encodeS3EventKey(k))).toBe(k);
    expect(encodeS3EventKey('a b+c/d.mp4')).toBe('a+b%2Bc/d.mp4');
  });

  it('rejects malformed encoding with a coded error', () => {
    expect(() => decodeS3EventKey('bad%E0%A4%A.mp4')).toThrow(
      expect.objectContaining({ code: 'VODSR_INVALID_EVENT_KEY' }),
    );
  });
});

describe('executionName', () => {
  it('is deterministic, at most 80 characters, and uses only allowed characters', () => {
    for (const k of HOSTILE_KEYS) {
      const n = executionName('input-bucket', k, 'etag');
      expect(n).toBe(executionName('input-bucket', k, 'etag'));
      expect(n.length).toBeLessThanOrEqual(MAX_EXECUTION_NAME);
      expect(n).toMatch(/^[A-Za-z0-9_-]+$/);
    }
  });

  it('differs by bucket, key and version', () => {
    const names = new Set([
      executionName('a-bucket', 'k.mp4', '1'),
      executionName('b-bucket', 'k.mp4', '1'),
      executionName('a-bucket', 'k2.mp4', '1'),
      executionName('a-bucket', 'k.mp4', '2'),
      executionName('a-bucket', 'x/k.mp4', '1'),
    ]);
    expect(names.size).toBe(5);
    expect(executionName('in', 'movies/apink_10s.mp4', 'e1')).toMatch(/^apink_10s_mp4-[0-9a-f]{32}$/);
  });
});
