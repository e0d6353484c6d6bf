import type { Argv } from 'yargs';
import { processIo } from '../io.js';

/** Sets the process exit code from a handler's result. */
export function exitWith(code: number): void {
  process.exitCode = code;
}

/** The process's Io (stdout/stderr). */
export const io = processIo;

/**
 * An AbortSignal that fires on the first Ctrl-C / SIGTERM (the command winds down: cancels its job, closes its
 * server); a second Ctrl-C exits at once.
 */
export function interruptSignal(): AbortSignal {
  const ac = new AbortController();
  let count = 0;
  const onSignal = (): void => {
    count += 1;
    if (count > 1) process.exit(130);
    ac.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return ac.signal;
}

/** Adds `--json`. */
export function withJson<T>(y: Argv<T>): Argv<T & { json: boolean | undefined }> {
  return y.option('json', { type: 'boolean', describe: 'Machine-readable JSON on stdout' });
}
