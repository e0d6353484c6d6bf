import { createHash } from 'node:crypto';
import { InvalidEventKeyError, InvalidS3UriError, VodsrError } from './errors.js';

/** A parsed S3 location. `key` may be empty for a bucket root or end in `/` for a prefix. */
export interface S3Location {
  readonly bucket: string;
  readonly key: string;
}

/** A source or output location: an S3 object/prefix or a local path. */
export type Location =
  | ({ readonly kind: 's3' } & S3Location)
  | { readonly kind: 'file'; readonly path: string };

/** Longest S3 object key, in UTF-8 bytes. */
export const MAX_S3_KEY_BYTES = 1024;
const MAX_KEY_BYTES = MAX_S3_KEY_BYTES;

/** Longest local path segment (file or folder name) on Linux file systems, in bytes. */
export const MAX_PATH_SEGMENT_BYTES = 255;

/**
 * Longest name, in UTF-8 bytes, of any file a packaging preset writes inside a job's HLS folder (playlists and
 * segments, MediaConvert's and the FFmpeg twin's alike). The presets shorten their names to stay within it, and
 * `prepareJob` checks the HLS folder leaves this much room in a 1,024-byte S3 key.
 */
export const HLS_FILE_NAME_BUDGET = 160;

/**
 * Checks a bucket name against the S3 general-purpose naming rules; returns every broken rule (empty = valid).
 *
 * @example bucketNameProblems('My_Bucket') // ['must use only lowercase letters, digits, dots and hyphens']
 */
export function bucketNameProblems(name: string): string[] {
  const p: string[] = [];
  if (name.length < 3 || name.length > 63) p.push('must be 3 to 63 characters long');
  if (!/^[a-z0-9.-]*$/.test(name)) p.push('must use only lowercase letters, digits, dots and hyphens');
  if (!/^[a-z0-9]/.test(name) || !/[a-z0-9]$/.test(name)) p.push('must begin and end with a letter or digit');
  if (name.includes('..')) p.push('must not contain two adjacent dots');
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(name)) p.push('must not be formatted as an IP address');
  if (/^(xn--|sthree-|amzn-s3-demo-)/.test(name)) p.push('must not start with a reserved prefix');
  if (/(-s3alias|--ol-s3|\.mrap|--x-s3|--table-s3)$/.test(name))
    p.push('must not end with a reserved suffix');
  return p;
}

/** Throws `VODSR_INVALID_BUCKET` when `name` is not a valid bucket name. */
export function assertBucketName(name: string): void {
  const p = bucketNameProblems(name);
  if (p.length)
    throw new InvalidS3UriError(
      'VODSR_INVALID_BUCKET',
      `Invalid bucket name ${JSON.stringify(name)}: ${p.join('; ')}`,
    );
}

/** UTF-8 byte length of a string. */
export function utf8Length(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/**
 * Checks an object key. Keys may legally contain `; $ ( ) ' " \n` and any other Unicode: they are carried as data,
 * never rejected for their characters. Only emptiness, length (> 1,024 UTF-8 bytes) and lone surrogates
 * (not encodable as UTF-8) are errors.
 */
export function assertObjectKey(key: string): void {
  if (key.length === 0) throw new InvalidS3UriError('VODSR_INVALID_KEY', 'Object key is empty');
  if (/\p{Cs}/u.test(key))
    throw new InvalidS3UriError('VODSR_INVALID_KEY', 'Object key is not valid Unicode (lone surrogate)');
  const n = utf8Length(key);
  if (n > MAX_KEY_BYTES) {
    throw new InvalidS3UriError(
      'VODSR_INVALID_KEY',
      `Object key is ${n} UTF-8 bytes; S3 allows at most ${MAX_KEY_BYTES}`,
    );
  }
}

/** True when `s` starts with `s3://`. */
export function isS3Uri(s: string): boolean {
  return s.startsWith('s3://');
}

/**
 * Parses `s3://bucket/key`. The key is taken verbatim (no URL decoding: `?`, `#`, `%` are key characters).
 *
 * @example parseS3Uri('s3://in/a b;$(x).mp4') // { bucket: 'in', key: 'a b;$(x).mp4' }
 */
export function parseS3Uri(uri: string, opts: { requireKey?: boolean } = {}): S3Location {
  if (!isS3Uri(uri))
    throw new InvalidS3UriError(
      'VODSR_INVALID_S3_URI',
      `Not an S3 URI (expected s3://bucket/key): ${JSON.stringify(uri)}`,
    );
  const rest = uri.slice(5);
  const slash = rest.indexOf('/');
  const bucket = slash === -1 ? rest : rest.slice(0, slash);
  const key = slash === -1 ? '' : rest.slice(slash + 1);
  assertBucketName(bucket);
  if (key.length > 0) assertObjectKey(key);
  if (opts.requireKey && (key.length === 0 || key.endsWith('/'))) {
    throw new InvalidS3UriError('VODSR_INVALID_S3_URI', `S3 URI names no object: ${JSON.stringify(uri)}`);
  }
  return { bucket, key };
}

/** Formats an S3 location as `s3://bucket/key`. */
export function formatS3Uri(loc: S3Location): string {
  assertBucketName(loc.bucket);
  return `s3://${loc.bucket}/${loc.key}`;
}

/** Parses a source/output location: `s3://…`, `file://…` or a plain local path. */
export function parseLocation(s: string): Location {
  if (isS3Uri(s)) {
    const { bucket, key } = parseS3Uri(s);
    return { kind: 's3', bucket, key };
  }
  let path = s;
  if (s.startsWith('file://')) path = decodeURIComponent(s.slice(7));
  else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(s)) {
    throw new VodsrError(
      'VODSR_INVALID_LOCATION',
      `Unsupported location scheme: ${JSON.stringify(s.slice(0, 40))} (use s3:// or a path)`,
    );
  }
  if (path.length === 0 || path.includes('\0')) {
    throw new VodsrError('VODSR_INVALID_LOCATION', `Invalid local path: ${JSON.stringify(s)}`);
  }
  return { kind: 'file', path };
}

/** Formats a location back to its string form. */
export function formatLocation(loc: Location): string {
  return loc.kind === 's3' ? formatS3Uri(loc) : loc.path;
}

/** Last path segment of a key or path (`a/b/c.mp4` → `c.mp4`). */
export function baseName(keyOrPath: string): string {
  const trimmed = keyOrPath.replace(/\/+$/, '');
  const i = trimmed.lastIndexOf('/');
  return i === -1 ? trimmed : trimmed.slice(i + 1);
}

/** Splits `name.ext` into stem and extension (with dot); dotfiles and no-dot names have no extension. */
export function splitExt(name: string): { stem: string; ext: string } {
  const i = name.lastIndexOf('.');
  if (i <= 0) return { stem: name, ext: '' };
  return { stem: name.slice(0, i), ext: name.slice(i) };
}

/** Containers the host writes SR files in (the source's own when it is one of them, else MP4). */
export const SR_OUTPUT_EXTENSIONS = ['mp4', 'm4v', 'mov', 'mkv', 'ts'] as const;

/**
 * The SR output name, as the use case's trigger derives it: `<stem>_sr_<scale>x<ext>`. A source in a container the
 * SR encoder settings cannot be written to (`.webm`, `.avi`, `.flv`, …) gets an `.mp4` SR file.
 *
 * @example srOutputName('apink_10s.mp4', 2) === 'apink_10s_sr_2x.mp4'
 * @example srOutputName('clip.webm', 2) === 'clip_sr_2x.mp4'
 */
export function srOutputName(sourceName: string, scale: number): string {
  const { stem, ext } = splitExt(baseName(sourceName));
  // ASCII-only lower-casing, as the host compares (the Kelvin sign must not pass for a k)
  const lower = ext.slice(1).replace(/[A-Z]/g, (c) => c.toLowerCase());
  const keep = (SR_OUTPUT_EXTENSIONS as readonly string[]).includes(lower);
  return `${stem}_sr_${scale}x${keep ? ext : '.mp4'}`;
}

const SAFE_SEGMENT = /^[A-Za-z0-9._-]+$/;

function shortHash(...parts: string[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\0');
  return h.digest('hex');
}

/**
 * A path segment safe for S3 prefixes, local folders and MediaConvert destinations: only `[A-Za-z0-9._-]`
 * (no `$` format identifiers, no spaces). A name that had to change gets a hash suffix, so two different
 * names never share a folder.
 *
 * @example safeSegment('apink_10s_sr_2x.mp4') === 'apink_10s_sr_2x.mp4'
 */
export function safeSegment(name: string, maxLength = 100): string {
  if (SAFE_SEGMENT.test(name) && name.length <= maxLength && !/^\.+$/.test(name)) return name;
  const cleaned = name
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/_+/g, '_')
    .replace(/^[._]+|[._]+$/g, '');
  const suffix = shortHash(name).slice(0, 10);
  const head = cleaned.slice(0, Math.max(0, maxLength - suffix.length - 1));
  return head ? `${head}_${suffix}` : suffix;
}

/** Cuts a string to at most `maxBytes` UTF-8 bytes without splitting a character. */
export function truncateUtf8(s: string, maxBytes: number): string {
  if (utf8Length(s) <= maxBytes) return s;
  let out = '';
  let n = 0;
  for (const ch of s) {
    const b = utf8Length(ch);
    if (n + b > maxBytes) break;
    out += ch;
    n += b;
  }
  return out;
}

/**
 * A file name that fits in `maxBytes` UTF-8 bytes: the name itself when it fits, else a readable prefix of its stem,
 * `~` and a 10-character hash of the whole name, with the extension kept — deterministic, so the same name always
 * gives the same short name, and two long names never share one.
 *
 * @example fitFileName('a'.repeat(300) + '.mp4', 255).length === 255
 */
export function fitFileName(name: string, maxBytes: number = MAX_PATH_SEGMENT_BYTES): string {
  if (utf8Length(name) <= maxBytes) return name;
  const { stem, ext: rawExt } = splitExt(name);
  const ext = utf8Length(rawExt) <= 16 ? rawExt : '';
  const hash = shortHash('fit', name).slice(0, 10);
  const room = maxBytes - utf8Length(ext) - hash.length - 1;
  if (room < 0) {
    throw new VodsrError('VODSR_VALIDATION', `No room for a file name in ${maxBytes} bytes`, {
      details: {
        issues: [{ path: '/', message: `a file name needs at least ${hash.length + utf8Length(ext)} bytes` }],
      },
    });
  }
  return `${truncateUtf8(stem, room)}~${hash}${ext}`;
}

/**
 * The HLS folder of an SR file, relative to the output root: `hls/<srFile>/` as in the use case, made safe.
 *
 * @example hlsDirName('apink_10s_sr_2x.mp4') === 'hls/apink_10s_sr_2x.mp4/'
 */
export function hlsDirName(srName: string): string {
  return `hls/${safeSegment(srName)}/`;
}

/** Joins an output root (S3 prefix or folder) with a relative path. */
export function joinLocation(root: string, relative: string): string {
  if (isS3Uri(root)) {
    const { bucket, key } = parseS3Uri(root);
    const prefix = key === '' || key.endsWith('/') ? key : `${key}/`;
    return formatS3Uri({ bucket, key: `${prefix}${relative}` });
  }
  return root.endsWith('/') ? `${root}${relative}` : `${root}/${relative}`;
}

/**
 * Decodes an object key as S3 event notifications deliver it (`+` = space, then percent-decoding).
 * Throws `VODSR_INVALID_EVENT_KEY` on malformed encoding.
 *
 * @example decodeS3EventKey('my+video%2B1.mp4') === 'my video+1.mp4'
 */
export function decodeS3EventKey(rawKey: string): string {
  try {
    return decodeURIComponent(rawKey.replace(/\+/g, ' '));
  } catch (e) {
    throw new InvalidEventKeyError(rawKey, e);
  }
}

/** Encodes a key the way S3 event notifications do (the inverse of `decodeS3EventKey`). */
export function encodeS3EventKey(key: string): string {
  return encodeURIComponent(key)
    .replace(/%20/g, '+')
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%2F/g, '/');
}

/** Longest Step Functions execution name. */
export const MAX_EXECUTION_NAME = 80;

/**
 * A deterministic Step Functions execution name for one object version: the same (bucket, key, version) always
 * gives the same name (so a redelivered S3 event starts nothing new), different ones never collide in practice
 * (SHA-256), at most 80 characters of `[A-Za-z0-9_-]` (allowed by Step Functions and readable in CloudWatch).
 *
 * @example executionName('in', 'movies/a b.mp4', 'etag-1') // 'a_b.mp4-<hash>'
 */
export function executionName(bucket: string, key: string, version = ''): string {
  const hash = shortHash('vodsr', bucket, key, version).slice(0, 32);
  const readable = baseName(key)
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9_.-]+/g, '_')
    .replace(/\./g, '_')
    .replace(/_+/g, '_')
    .replace(/^[_-]+|[_-]+$/g, '')
    .slice(0, MAX_EXECUTION_NAME - hash.length - 1);
  return readable ? `${readable}-${hash}` : hash;
}

/**
 * An ETag as S3 gives it, made comparable: S3 event records carry it bare (`d41d8…`), `ListObjectsV2` and
 * `HeadObject` quoted (`"d41d8…"`), a Distributed Map's `ItemReader` as `Etag` with the quotes. Quotes and
 * surrounding spaces go, hex letters are lower-cased; a multipart ETag keeps its `-<parts>` suffix.
 *
 * @example normalizeEtag('"D41D8CD98F00B204E9800998ECF8427E"') === 'd41d8cd98f00b204e9800998ecf8427e'
 */
export function normalizeEtag(etag: string): string {
  return etag
    .trim()
    .replace(/^W\//, '')
    .replace(/^"+|"+$/g, '')
    .toLowerCase();
}

/**
 * The execution (= job) name of one S3 object's content: `executionName(bucket, key, 'etag:' + normalizeEtag(etag))`. The
 * trigger (from the event's `eTag`) and a backfill (from the listing's `ETag`) both compute it, so the same object
 * uploaded once and backfilled later gets ONE name: whichever starts second finds `ExecutionAlreadyExists`.
 * Re-uploading the same bytes under the same key gives the same ETag, hence the same name: nothing new runs;
 * new bytes give a new ETag and a new job.
 *
 * @example objectExecutionName('in', 'a.mp4', '"abc"') === objectExecutionName('in', 'a.mp4', 'ABC')
 */
export function objectExecutionName(bucket: string, key: string, etag: string): string {
  return executionName(bucket, key, `etag:${normalizeEtag(etag)}`);
}

/** A deterministic id from arbitrary parts (e.g. an idempotency key), in the execution-name charset. */
export function deterministicId(...parts: string[]): string {
  return shortHash('vodsr-id', ...parts).slice(0, 32);
}
