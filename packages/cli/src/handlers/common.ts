import { isVodsrError } from '@vodsr/core';
import { type ExitCode, exitCodeForError } from '../exitCodes.js';
import type { Io } from '../io.js';

/** Prints an error (code, message, every validation issue) and returns its exit code. */
export function reportError(e: unknown, io: Io, json = false): ExitCode {
  const code = isVodsrError(e) ? e.code : 'VODSR_INTERNAL';
  const message = e instanceof Error ? e.message : String(e);
  const details = isVodsrError(e) ? (e as { details?: unknown }).details : undefined;
  const issues = (details as { issues?: Array<{ path: string; message: string }> } | undefined)?.issues;
  if (json) {
    io.out(JSON.stringify({ error: { code, message, ...(issues ? { issues } : {}) } }, null, 2));
  } else {
    io.err(`error: ${code}: ${message}`);
    for (const i of issues ?? []) io.err(`  ${i.path || '/'}: ${i.message}`);
  }
  return exitCodeForError(code);
}

/** Runs a handler body, turning thrown errors into a printed message and an exit code. */
export async function guarded(io: Io, json: boolean | undefined, fn: () => Promise<number>): Promise<number> {
  try {
    return await fn();
  } catch (e) {
    return reportError(e, io, json ?? false);
  }
}
