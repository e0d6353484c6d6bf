import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { ValidationError } from '@vodsr/core';
import { assertBucketName } from '@vodsr/core/naming';
import { createHashedKeyStore } from './hashedKeyStore.js';
import type { LocalS3EventRecord } from './s3Events.js';

export { LOCAL_S3_ENV } from '@vodsr/api';

/** Options of `startLocalS3`. */
export interface LocalS3Options {
  /** Folder where the server keeps buckets and objects. */
  readonly directory: string;
  /** Buckets created at start (kept when they exist). */
  readonly buckets: readonly string[];
  /** @default 0 (a free port) */
  readonly port?: number;
  /** Loopback only. @default '127.0.0.1' */
  readonly host?: string;
}

/** A running local S3-compatible server. */
export interface LocalS3 {
  /** `http://127.0.0.1:<port>`: pass as `--endpoint-url` / the SDK's `endpoint`. */
  readonly endpoint: string;
  readonly port: number;
  /** Called for each event the server emits (raw keys: normalise with `normalizeLocalS3Event`). */
  onEvent(listener: (event: { Records: LocalS3EventRecord[] }) => void): void;
  close(): Promise<void>;
}

interface S3rverInstance {
  store: unknown;
  readonly context: { store: unknown };
  on(event: 'event', listener: (e: { Records: LocalS3EventRecord[] }) => void): void;
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}
type S3rverCtor = new (opts: Record<string, unknown>) => S3rverInstance;

/**
 * Starts s3rver (an S3-compatible server on the local disk) on a loopback address with the given buckets, with
 * vodsr's hashed-key store (`createHashedKeyStore`): any valid key round-trips, nothing lands outside `directory`.
 * Clients need `LOCAL_S3_ENV` credentials and, with the SDK, `requestChecksumCalculation` /
 * `responseChecksumValidation: 'WHEN_REQUIRED'` (see `localS3Client`).
 *
 * @example
 * const s3 = await startLocalS3({ directory: '.vodsr-dev/s3', buckets: ['vodsr-in', 'vodsr-out'] });
 * s3.onEvent((e) => console.log(e.Records[0]?.s3.object.key));
 */
export async function startLocalS3(opts: LocalS3Options): Promise<LocalS3> {
  const host = opts.host ?? '127.0.0.1';
  if (!/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) && host !== 'localhost') {
    throw new ValidationError('local S3 options', [
      {
        path: '/host',
        message: `the local S3 server has no auth: listen on a loopback address, not ${host}`,
      },
    ]);
  }
  for (const b of opts.buckets) assertBucketName(b);
  mkdirSync(opts.directory, { recursive: true });
  const require = createRequire(import.meta.url);
  const S3rver = require('s3rver') as S3rverCtor;
  const server = new S3rver({
    address: host,
    port: opts.port ?? 0,
    directory: opts.directory,
    silent: true,
    configureBuckets: opts.buckets.map((name) => ({ name })),
  });
  // Keys as hashed file names (the key kept beside the object): s3rver's own store maps keys straight to paths,
  // so `../` escaped its folder and a ≥241-byte segment killed the process (ENAMETOOLONG).
  server.store = createHashedKeyStore(opts.directory);
  server.context.store = server.store;
  const addr = await server.run();
  const endpoint = `http://${host}:${addr.port}`;
  return {
    endpoint,
    port: addr.port,
    onEvent: (listener) => server.on('event', listener),
    close: () => server.close(),
  };
}
