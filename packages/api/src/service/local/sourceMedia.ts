import { execFile } from 'node:child_process';
import { statSync } from 'node:fs';
import { promisify } from 'node:util';
import { type PrepareJobContext, parseLocation } from '@vodsr/core';
import { ffmpegPath } from '@vodsr/core/models';

const run = promisify(execFile);

/** What `prepareJob` checks of a probed source (`PrepareJobContext.media`). */
export type SourceMedia = NonNullable<PrepareJobContext['media']>;

/** Recent probes (path + size + mtime), so a burst of jobs of one file probes it once. */
const probes = new Map<string, Promise<SourceMedia | undefined>>();

async function probe(path: string): Promise<SourceMedia | undefined> {
  try {
    const { stdout } = await run(
      'ffprobe',
      ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', ffmpegPath(path)],
      { timeout: 30_000, maxBuffer: 8 * 1024 * 1024 },
    );
    const j = JSON.parse(stdout) as {
      streams?: {
        codec_type?: string;
        width?: number;
        height?: number;
        disposition?: { attached_pic?: number };
        side_data_list?: { rotation?: number }[];
        tags?: { rotate?: string };
      }[];
      format?: { format_name?: string };
    };
    // The host's rule: the first video stream that is not cover art.
    const v = j.streams?.find((s) => s.codec_type === 'video' && (s.disposition?.attached_pic ?? 0) === 0);
    if (!v?.width || !v.height) return undefined;
    const rotation =
      v.side_data_list?.find((d) => typeof d.rotation === 'number')?.rotation ?? Number(v.tags?.rotate ?? 0);
    return {
      width: v.width,
      height: v.height,
      ...(rotation ? { rotation } : {}),
      ...(j.format?.format_name ? { formatName: j.format.format_name } : {}),
    };
  } catch {
    return undefined;
  }
}

/**
 * The size, rotation and container of a local source, probed at submit so that `prepareJob` refuses a still image
 * or an SR picture beyond the encoder limits before the job is queued. `undefined` for an S3 source and for a file
 * ffprobe cannot read (the host reports that, coded, after its own probe).
 *
 * @example prepareJob(spec, { ...localPrepareContext(settings, id), media: await sourceMediaAtSubmit(spec.source) })
 */
export function sourceMediaAtSubmit(source: string): Promise<SourceMedia | undefined> {
  const loc = parseLocation(source);
  if (loc.kind !== 'file') return Promise.resolve(undefined);
  let key: string;
  try {
    const st = statSync(loc.path);
    if (!st.isFile()) return Promise.resolve(undefined);
    key = `${loc.path}\0${st.size}\0${st.mtimeMs}`;
  } catch {
    return Promise.resolve(undefined);
  }
  let p = probes.get(key);
  if (!p) {
    p = probe(loc.path);
    probes.set(key, p);
    if (probes.size > 256) probes.delete(probes.keys().next().value as string);
  }
  return p;
}
