import { createHash } from 'node:crypto';
import { readdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';

/** The s3rver 3.7.1 `FilesystemStore` methods the hashed store builds on (the class is plain JS). */
interface FilesystemStoreBase {
  readonly rootDirectory: string;
  getBucketPath(bucket: string): string;
  getResourcePath(bucket: string, key: string | undefined, resource: string): string;
  getMetadata(bucket: string, key: string): Promise<Record<string, unknown>>;
  putObject(object: { bucket: string; key: string }): Promise<{ size: number; md5: string }>;
  copyObject(
    srcBucket: string,
    srcKey: string,
    destBucket: string,
    destKey: string,
    replacementMetadata?: unknown,
  ): Promise<unknown>;
}
type FilesystemStoreCtor = new (root: string) => FilesystemStoreBase;
type S3ObjectCtor = new (bucket: string, key: string, content: null, metadata: unknown) => unknown;

/** S3's bucket naming rules (3-63 of a-z, 0-9, `.`, `-`): anything else never reaches the disk. */
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const SUFFIX = '._S3rver_';

/** The file-name stem of a key: its SHA-256 (64 hex characters, whatever the key's bytes or length). */
export function keyStem(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/**
 * Builds s3rver's store with keys mapped to hashed file names: every object lives at
 * `<dir>/<bucket>/<sha256(key)>._S3rver_object` with the key itself in `…._S3rver_key`, so any valid S3 key (any
 * UTF-8 up to 1,024 bytes, any segment length, `..`, `%`, newlines) is stored and listed exactly, and no key can
 * name a path outside the server's folder. Bucket-level resources (configs, multipart uploads) keep s3rver's layout.
 *
 * @example server.store = server.context.store = createHashedKeyStore('.vodsr-dev/s3');
 */
export function createHashedKeyStore(directory: string): FilesystemStoreBase {
  const require = createRequire(import.meta.url);
  const Base = require('s3rver/lib/stores/filesystem') as FilesystemStoreCtor;
  const S3Object = require('s3rver/lib/models/object') as S3ObjectCtor;

  class HashedKeyStore extends Base {
    public override getBucketPath(bucket: string): string {
      // an invalid name (e.g. `..`) maps to a folder that never exists: NoSuchBucket, nothing outside
      return BUCKET_NAME.test(bucket)
        ? join(this.rootDirectory, bucket)
        : join(this.rootDirectory, '.no-bucket');
    }

    public override getResourcePath(bucket: string, key: string | undefined, resource: string): string {
      const dir = this.getBucketPath(bucket);
      if (key === undefined || key === '') return join(dir, `${SUFFIX}${resource}`);
      return join(dir, `${keyStem(key)}${SUFFIX}${resource}`);
    }

    private keyPath(bucket: string, key: string): string {
      return this.getResourcePath(bucket, key, 'key');
    }

    public override async putObject(object: { bucket: string; key: string }) {
      const res = await super.putObject(object);
      await writeFile(this.keyPath(object.bucket, object.key), object.key, 'utf8');
      return res;
    }

    public override async copyObject(
      srcBucket: string,
      srcKey: string,
      destBucket: string,
      destKey: string,
      replacementMetadata?: unknown,
    ) {
      const res = await super.copyObject(srcBucket, srcKey, destBucket, destKey, replacementMetadata);
      await writeFile(this.keyPath(destBucket, destKey), destKey, 'utf8');
      return res;
    }

    public async deleteObject(bucket: string, key: string): Promise<void> {
      await Promise.all(
        ['object', 'object.md5', 'metadata.json', 'key'].map((r) =>
          unlink(this.getResourcePath(bucket, key, r)).catch((e: NodeJS.ErrnoException) => {
            if (e.code !== 'ENOENT') throw e;
          }),
        ),
      );
    }

    public async listObjects(
      bucket: string,
      options: { delimiter?: string; startAfter?: string; prefix?: string; maxKeys?: number },
    ) {
      const { delimiter = '', startAfter = '', prefix = '', maxKeys = Number.POSITIVE_INFINITY } = options;
      const dir = this.getBucketPath(bucket);
      const names = await readdir(dir).catch(() => [] as string[]);
      const keys = (
        await Promise.all(
          names
            .filter((n) => n.endsWith(`${SUFFIX}key`) && !n.startsWith(SUFFIX))
            .map((n) => readFile(join(dir, n), 'utf8').catch(() => undefined)),
        )
      )
        .filter((k): k is string => k !== undefined && k > startAfter && k.startsWith(prefix))
        .sort((a, b) => (Buffer.compare(Buffer.from(a), Buffer.from(b)) < 0 ? -1 : 1));
      const commonPrefixes = new Set<string>();
      const picked: string[] = [];
      let isTruncated = false;
      for (const key of keys) {
        if (delimiter) {
          const idx = key.slice(prefix.length).indexOf(delimiter);
          if (idx !== -1) {
            commonPrefixes.add(key.slice(0, prefix.length + idx + delimiter.length));
            continue;
          }
        }
        if (picked.length >= maxKeys) {
          isTruncated = true;
          break;
        }
        picked.push(key);
      }
      const objects = (
        await Promise.all(
          picked.map(async (key) => {
            const meta = await this.getMetadata(bucket, key).catch(() => undefined);
            return meta === undefined ? undefined : new S3Object(bucket, key, null, meta);
          }),
        )
      ).filter((o) => o !== undefined);
      return { objects, commonPrefixes: [...commonPrefixes].sort(), isTruncated };
    }
  }
  return new HashedKeyStore(directory);
}
