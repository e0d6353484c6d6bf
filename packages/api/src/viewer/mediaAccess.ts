import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, readdirSync, statSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import { parseLocation, VodsrError } from '@vodsr/core';

/** A byte range of a media response. */
export interface MediaRange {
  readonly start: number;
  readonly end: number;
}

/** An opened media object: its stream, total size and the range served. */
export interface OpenedMedia {
  readonly body: Readable;
  readonly size: number;
  readonly range?: MediaRange;
}

/**
 * Parses a single `Range: bytes=a-b` header against a size; `undefined` = whole object, `'unsatisfiable'` = 416.
 *
 * @example parseRange('bytes=0-99', 1000) // { start: 0, end: 99 }
 */
export function parseRange(
  header: string | undefined,
  size: number,
): MediaRange | 'unsatisfiable' | undefined {
  if (!header) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  let start: number;
  let end: number;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) return 'unsatisfiable';
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}

function notFound(what: string): VodsrError {
  return new VodsrError('VODSR_NOT_FOUND', `No such media: ${what}`);
}

/**
 * Reads media at a job's locations: local files always, `s3://` objects when an S3 client is given (e.g. the local
 * S3 server of `vodsr dev`).
 */
export class MediaReader {
  public constructor(private readonly s3?: S3Client) {}

  /** Size in bytes of a file or object (undefined when absent or unreadable). */
  public async size(location: string): Promise<number | undefined> {
    const loc = parseLocation(location);
    if (loc.kind === 'file') {
      try {
        const st = statSync(loc.path);
        return st.isFile() ? st.size : undefined;
      } catch {
        return undefined;
      }
    }
    if (!this.s3) return undefined;
    const { HeadObjectCommand } = await import('@aws-sdk/client-s3');
    try {
      const h = await this.s3.send(new HeadObjectCommand({ Bucket: loc.bucket, Key: loc.key }));
      return h.ContentLength;
    } catch {
      return undefined;
    }
  }

  /** Total bytes below a folder (or S3 prefix). */
  public async treeSize(location: string): Promise<number | undefined> {
    const loc = parseLocation(location);
    if (loc.kind === 'file') {
      const walk = (d: string): number =>
        readdirSync(d, { withFileTypes: true }).reduce((n, e) => {
          const p = join(d, e.name);
          return n + (e.isDirectory() ? walk(p) : e.isFile() ? statSync(p).size : 0);
        }, 0);
      try {
        return walk(loc.path);
      } catch {
        return undefined;
      }
    }
    if (!this.s3) return undefined;
    const { ListObjectsV2Command } = await import('@aws-sdk/client-s3');
    let total = 0;
    let token: string | undefined;
    do {
      const page = await this.s3.send(
        new ListObjectsV2Command({ Bucket: loc.bucket, Prefix: loc.key, ContinuationToken: token }),
      );
      for (const o of page.Contents ?? []) total += o.Size ?? 0;
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return total;
  }

  /** Opens a file or object, honouring a `Range` header. Throws 404 (coded) when absent, 416 when unsatisfiable. */
  public async open(location: string, rangeHeader?: string): Promise<OpenedMedia> {
    const size = await this.size(location);
    if (size === undefined) throw notFound(location);
    const range = parseRange(rangeHeader, size);
    if (range === 'unsatisfiable') {
      throw new VodsrError(
        'VODSR_RANGE_NOT_SATISFIABLE',
        `Range not satisfiable: ${rangeHeader} (size ${size})`,
      );
    }
    const loc = parseLocation(location);
    if (loc.kind === 'file') {
      return {
        body: createReadStream(loc.path, range ? { start: range.start, end: range.end } : {}),
        size,
        ...(range ? { range } : {}),
      };
    }
    const { GetObjectCommand } = await import('@aws-sdk/client-s3');
    const res = await (this.s3 as S3Client).send(
      new GetObjectCommand({
        Bucket: loc.bucket,
        Key: loc.key,
        ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}),
      }),
    );
    return { body: res.Body as Readable, size, ...(range ? { range } : {}) };
  }
}

/**
 * A location inside a folder or S3 prefix, refusing anything that climbs out of it (`..`, absolute paths,
 * backslashes, NUL).
 *
 * @example childLocation('/out/hls/a/', 'index.m3u8') === '/out/hls/a/index.m3u8'
 */
export function childLocation(dir: string, rel: string): string {
  const parts = rel.split('/');
  if (
    rel.length === 0 ||
    rel.includes('\\') ||
    rel.includes('\0') ||
    parts.some((p) => p === '' || p === '.' || p === '..')
  ) {
    throw notFound(rel);
  }
  const loc = parseLocation(dir);
  if (loc.kind === 'file') {
    const base = resolve(loc.path);
    const full = resolve(base, ...parts);
    if (!full.startsWith(base.endsWith(sep) ? base : `${base}${sep}`)) throw notFound(rel);
    return full;
  }
  const prefix = loc.key === '' || loc.key.endsWith('/') ? loc.key : `${loc.key}/`;
  return `s3://${loc.bucket}/${prefix}${rel}`;
}

/**
 * Signs media paths of one job for a while: `<exp>/<sig>/<jobId>` is put in the path (not the query) so relative
 * URLs inside HLS playlists keep it. A `<video>` element cannot send a bearer token; a signed path can be public.
 */
export class MediaSigner {
  private readonly secret: Buffer;

  public constructor(
    secret?: string | Buffer,
    private readonly ttlSeconds = 6 * 3600,
  ) {
    this.secret = secret === undefined ? randomBytes(32) : Buffer.from(secret);
  }

  private mac(jobId: string, exp: number): string {
    return createHmac('sha256', this.secret).update(`${jobId}\n${exp}`).digest('base64url').slice(0, 32);
  }

  /** The signed path prefix of a job's media, valid `ttlSeconds` from `now`. */
  public prefix(jobId: string, now = Date.now()): string {
    const exp = Math.floor(now / 1000) + this.ttlSeconds;
    return `${exp}/${this.mac(jobId, exp)}/${encodeURIComponent(jobId)}`;
  }

  /** True when the signature matches and has not expired. */
  public verify(jobId: string, exp: string, sig: string, now = Date.now()): boolean {
    const e = Number(exp);
    if (!Number.isInteger(e) || e < Math.floor(now / 1000)) return false;
    const want = Buffer.from(this.mac(jobId, e));
    const got = Buffer.from(sig);
    return want.length === got.length && timingSafeEqual(want, got);
  }
}
