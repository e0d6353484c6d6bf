import { type PrepareJobContext, parseLocation } from '@vodsr/core';
import type { GuessedMedia } from '../backfill/estimates.js';
import { madeSourceProbe, probeSourceFile } from './sourceProbe.js';

/** What `prepareJob` checks of a probed source (`PrepareJobContext.media`). */
export type SourceMedia = NonNullable<PrepareJobContext['media']>;

/** A local source probed at submit: what `prepareJob` checks, and the media its cost estimate starts from. */
export interface ProbedSource {
  readonly media: SourceMedia;
  /** ffprobe's JSON as it printed it (`-show_format -show_streams`): handed to the host so it need not probe again. */
  readonly ffprobeJson: string;
  /** Absent when ffprobe gave no duration (then the estimate guesses, and says so). */
  readonly estimate?: GuessedMedia;
}

const frameRate = (r: string | undefined): number | undefined => {
  const [n, d] = (r ?? '').split('/').map(Number);
  return n && d ? n / d : undefined;
};

async function probe(path: string): Promise<ProbedSource | undefined> {
  const stdout = await probeSourceFile(path);
  return stdout === undefined ? undefined : probed(stdout);
}

/** What ffprobe's JSON says of a source; `undefined` when it has no video stream with a size. */
function probed(stdout: string): ProbedSource | undefined {
  try {
    const j = JSON.parse(stdout) as {
      streams?: {
        codec_type?: string;
        width?: number;
        height?: number;
        disposition?: { attached_pic?: number };
        side_data_list?: { rotation?: number }[];
        tags?: { rotate?: string };
        avg_frame_rate?: string;
        r_frame_rate?: string;
      }[];
      format?: { format_name?: string; duration?: string };
    };
    // The host's rule: the first video stream that is not cover art.
    const v = j.streams?.find((s) => s.codec_type === 'video' && (s.disposition?.attached_pic ?? 0) === 0);
    if (!v?.width || !v.height) return undefined;
    const rotation =
      v.side_data_list?.find((d) => typeof d.rotation === 'number')?.rotation ?? Number(v.tags?.rotate ?? 0);
    const media: SourceMedia = {
      width: v.width,
      height: v.height,
      ...(rotation ? { rotation } : {}),
      ...(j.format?.format_name ? { formatName: j.format.format_name } : {}),
    };
    const duration = Number(j.format?.duration);
    if (!(duration >= 0)) return { media, ffprobeJson: stdout };
    const fps = frameRate(v.avg_frame_rate) ?? frameRate(v.r_frame_rate);
    const durationSeconds = Math.round(duration * 1000) / 1000;
    return {
      media,
      ffprobeJson: stdout,
      estimate: {
        media: {
          width: v.width,
          height: v.height,
          durationSeconds,
          ...(fps !== undefined ? { fps: Math.round(fps * 1000) / 1000 } : {}),
        },
        assumptions: [`media probed with ffprobe: ${v.width}x${v.height}, ${durationSeconds} s`],
      },
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
export async function sourceMediaAtSubmit(source: string): Promise<SourceMedia | undefined> {
  return (await probeSourceAtSubmit(source))?.media;
}

/**
 * The one ffprobe of a local source at submit (one process per path, size and mtime: `sourceProbe.ts`), shared by
 * the limits check (`sourceMediaAtSubmit`) and the cost estimate (`estimateAtSubmit`); the `vodsr` binary may have
 * started it already. `undefined` for an S3 source, a special file, or one ffprobe cannot read.
 */
export function probeSourceAtSubmit(source: string): Promise<ProbedSource | undefined> {
  const path = localPath(source);
  return path === undefined ? Promise.resolve(undefined) : probe(path);
}

function localPath(source: string): string | undefined {
  const loc = parseLocation(source);
  return loc.kind === 'file' ? loc.path : undefined;
}

/**
 * The submit-time probe of a local source, if this process made one and the file is unchanged since (same path,
 * size and mtime): the host runner reuses it (`VODSR_SOURCE_PROBE_FILE`) instead of starting ffprobe again, so a
 * local job is probed once. Never probes: `undefined` when there is nothing to reuse.
 */
export async function reusableProbe(source: string): Promise<string | undefined> {
  const path = localPath(source);
  const stdout = path === undefined ? undefined : await madeSourceProbe(path);
  return stdout !== undefined && probed(stdout) ? stdout : undefined;
}
