import { statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { parseLocation, ValidationError, type ValidationIssue } from '@vodsr/core';

/**
 * Fits a job's local paths for a remote API (`vodsr submit --api URL`): the server resolves a relative path
 * against ITS working directory, not the caller's, so a relative `source` / `output` is made absolute here, in the
 * caller's directory, and a relative source that is no file here is refused (`VODSR_VALIDATION`, exit 2) before
 * anything is sent. Nothing is uploaded: the server reads the file where it is, inside its `--input-root`s (same
 * machine, or a disk both see). Absolute paths and `s3://` locations go as they are; the server checks them.
 *
 * @example remoteJobBody({ source: 'clip.mp4' }, '/home/me') // { source: '/home/me/clip.mp4' }
 */
export function remoteJobBody(body: Record<string, unknown>, cwd = process.cwd()): Record<string, unknown> {
  const out = { ...body };
  const issues: ValidationIssue[] = [];
  for (const key of ['source', 'output'] as const) {
    const v = body[key];
    if (typeof v !== 'string') continue;
    let path: string;
    try {
      const loc = parseLocation(v);
      if (loc.kind !== 'file') continue;
      path = loc.path;
    } catch {
      continue; // the server's validation names a bad location
    }
    if (isAbsolute(path)) continue;
    const abs = resolve(cwd, path);
    if (key === 'source' && !isFile(abs)) {
      issues.push({
        path: '/source',
        message: `no such file here: ${abs} (a relative path is resolved in this directory, then sent to the API as an absolute path)`,
      });
      continue;
    }
    out[key] = abs;
  }
  if (issues.length) throw new ValidationError('job', issues);
  return out;
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}
