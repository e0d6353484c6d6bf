/** Where a command writes: stdout for results, stderr for progress and notes. Tests pass a capturing one. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** True when stderr is a terminal (progress bars); false = plain progress lines. */
  readonly interactive: boolean;
  readonly stderr?: NodeJS.WritableStream;
}

/** The process's stdout/stderr. */
export function processIo(): Io {
  return {
    out: (t) => process.stdout.write(t.endsWith('\n') ? t : `${t}\n`),
    err: (t) => process.stderr.write(t.endsWith('\n') ? t : `${t}\n`),
    interactive: Boolean(process.stderr.isTTY) && process.env.CI === undefined,
    stderr: process.stderr,
  };
}
