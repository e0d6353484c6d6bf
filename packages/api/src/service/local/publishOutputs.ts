import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { parseS3Uri, VodsrError } from '@vodsr/core';

/** Content types of what a job writes. */
export const MEDIA_TYPES: Readonly<Record<string, string>> = {
  '.m3u8': 'application/vnd.apple.mpegurl',
  '.ts': 'video/mp2t',
  '.m4s': 'video/iso.segment',
  '.mp4': 'video/mp4',
  '.m4v': 'video/mp4',
  '.mov': 'video/quicktime',
  '.mkv': 'video/x-matroska',
  '.webm': 'video/webm',
  '.aac': 'audio/aac',
  '.vtt': 'text/vtt',
};

/** The content type of a file name (`application/octet-stream` when unknown). */
export function mediaType(name: string): string {
  return MEDIA_TYPES[extname(name).toLowerCase()] ?? 'application/octet-stream';
}

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...listFiles(p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

/** What `publishOutputs` uploaded. */
export interface PublishResult {
  /** `s3://…` of the SR file, when it was uploaded. */
  readonly srFile?: string;
  /** `s3://…/` prefix of the HLS tree (absent without packaging). */
  readonly hlsPrefix?: string;
  /** `s3://…` of the master playlist. */
  readonly hlsMaster?: string;
  /** Every key written, in upload order. */
  readonly keys: string[];
  readonly bytes: number;
}

/**
 * Uploads a finished local job's outputs where the deployed pipeline would have written them: the SR file to
 * `srFile` and every file of the local HLS folder below `hlsDestination` (same relative paths). Segments go first,
 * playlists next, the master playlist last, so a reader never sees a playlist whose segments are missing; if any
 * upload fails, what was uploaded is deleted and `VODSR_AWS_ERROR` is thrown (nothing half-written).
 *
 * @example
 * await publishOutputs(s3, { localSrFile: 'out/a_sr_2x.mp4', srFile: 's3://out/a_sr_2x.mp4',
 *   localHlsDir: 'out/hls/a_sr_2x.mp4', hlsDestination: 's3://out/hls/a_sr_2x.mp4/', masterName: 'index.m3u8' });
 */
export async function publishOutputs(
  s3: S3Client,
  o: {
    /** The SR file to upload (absent when the host already wrote it to S3). */
    readonly localSrFile?: string;
    readonly srFile?: string;
    readonly localHlsDir?: string;
    readonly hlsDestination?: string;
    /** File name of the master playlist inside the HLS folder (uploaded last). */
    readonly masterName?: string;
  },
): Promise<PublishResult> {
  const { PutObjectCommand, DeleteObjectCommand } = await import('@aws-sdk/client-s3');
  const uploads: Array<{ bucket: string; key: string; file: string }> = [];
  if (o.localSrFile !== undefined && o.srFile !== undefined) {
    const sr = parseS3Uri(o.srFile, { requireKey: true });
    uploads.push({ bucket: sr.bucket, key: sr.key, file: o.localSrFile });
  }
  let hlsPrefix: string | undefined;
  let hlsMaster: string | undefined;
  if (o.localHlsDir !== undefined && o.hlsDestination !== undefined) {
    const dest = parseS3Uri(o.hlsDestination);
    const prefix = dest.key === '' || dest.key.endsWith('/') ? dest.key : `${dest.key}/`;
    hlsPrefix = `s3://${dest.bucket}/${prefix}`;
    const rank = (f: string): number => {
      const rel = relative(o.localHlsDir as string, f);
      if (rel === o.masterName) return 2;
      return f.endsWith('.m3u8') ? 1 : 0;
    };
    const files = listFiles(o.localHlsDir).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
    for (const f of files) {
      const key = `${prefix}${relative(o.localHlsDir, f).split(sep).join('/')}`;
      uploads.push({ bucket: dest.bucket, key, file: f });
      if (rank(f) === 2) hlsMaster = `s3://${dest.bucket}/${key}`;
    }
  }
  const done: Array<{ bucket: string; key: string }> = [];
  let bytes = 0;
  try {
    for (const u of uploads) {
      const body = readFileSync(u.file);
      await s3.send(
        new PutObjectCommand({ Bucket: u.bucket, Key: u.key, Body: body, ContentType: mediaType(u.file) }),
      );
      done.push({ bucket: u.bucket, key: u.key });
      bytes += statSync(u.file).size;
    }
  } catch (e) {
    for (const d of done.reverse()) {
      await s3.send(new DeleteObjectCommand({ Bucket: d.bucket, Key: d.key })).catch(() => undefined);
    }
    throw new VodsrError(
      'VODSR_AWS_ERROR',
      `Publishing the outputs failed after ${done.length} of ${uploads.length} objects (removed again): ${(e as Error).message}`,
      { cause: e },
    );
  }
  return {
    ...(o.srFile !== undefined && o.localSrFile !== undefined ? { srFile: o.srFile } : {}),
    ...(hlsPrefix !== undefined ? { hlsPrefix } : {}),
    ...(hlsMaster !== undefined ? { hlsMaster } : {}),
    keys: uploads.map((u) => u.key),
    bytes,
  };
}
