import type { MediaInfo, ValidationIssue } from '@vodsr/core';

/** Characters MediaConvert and FFmpeg take literally in a file-name part. */
export const SAFE_NAME = /^[A-Za-z0-9._-]+$/;

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

/** Problems of a probed MediaInfo (pushed into `issues` under `path`). */
export function mediaIssues(media: unknown, issues: ValidationIssue[], path = '/media'): void {
  if (typeof media !== 'object' || media === null) {
    issues.push({
      path,
      message: 'is required (the probed video: width, height, durationSeconds, hasAudio)',
    });
    return;
  }
  const m = media as Partial<Record<keyof MediaInfo, unknown>>;
  for (const k of ['width', 'height'] as const) {
    if (!isInt(m[k]) || (m[k] as number) < 2 || (m[k] as number) > 16384)
      issues.push({ path: `${path}/${k}`, message: 'must be an integer from 2 to 16384' });
  }
  if (typeof m.durationSeconds !== 'number' || !Number.isFinite(m.durationSeconds) || m.durationSeconds < 0)
    issues.push({ path: `${path}/durationSeconds`, message: 'must be a finite number >= 0' });
  if (typeof m.hasAudio !== 'boolean')
    issues.push({ path: `${path}/hasAudio`, message: 'must be a boolean' });
  if (m.rotation !== undefined && (typeof m.rotation !== 'number' || !Number.isFinite(m.rotation)))
    issues.push({ path: `${path}/rotation`, message: 'must be a number of degrees' });
  if (m.fps !== undefined && (typeof m.fps !== 'number' || !(m.fps > 0)))
    issues.push({ path: `${path}/fps`, message: 'must be a positive number' });
}

/** Problems of `segmentSeconds`, `maxRungs` and `nameModifier`. */
export function packagingIssues(
  o: { segmentSeconds?: unknown; maxRungs?: unknown; nameModifier?: unknown },
  issues: ValidationIssue[],
): void {
  const seg = o.segmentSeconds;
  if (seg !== undefined && (!isInt(seg) || seg < 1 || seg > 60))
    issues.push({ path: '/segmentSeconds', message: 'must be an integer from 1 to 60' });
  maxRungsIssues(o.maxRungs, issues);
  const nm = o.nameModifier;
  if (nm !== undefined && (typeof nm !== 'string' || !SAFE_NAME.test(nm) || nm.length > 100)) {
    issues.push({
      path: '/nameModifier',
      message:
        'must be 1-100 characters of [A-Za-z0-9._-] (MediaConvert reads $ as a format identifier; use core safeSegment)',
    });
  }
}

/** Problems of `maxRungs`. */
export function maxRungsIssues(maxRungs: unknown, issues: ValidationIssue[]): void {
  if (maxRungs !== undefined && (!isInt(maxRungs) || maxRungs < 1 || maxRungs > 8))
    issues.push({ path: '/maxRungs', message: 'must be an integer from 1 to 8' });
}

/** Problems of a local path handed to FFmpeg. */
export function localPathIssues(
  p: unknown,
  path: string,
  issues: ValidationIssue[],
  opts: { noPercent?: boolean } = {},
): void {
  if (typeof p !== 'string' || p.length === 0 || p.includes('\0')) {
    issues.push({ path, message: 'must be a non-empty path without NUL characters' });
    return;
  }
  if (opts.noPercent && p.includes('%')) {
    issues.push({
      path,
      message: "must not contain '%' (FFmpeg's HLS muxer reads it as a file-name pattern)",
    });
  }
}
