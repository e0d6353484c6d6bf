import { execFile } from 'node:child_process';
import { statSync } from 'node:fs';

/**
 * The ffprobe of local sources, with no dependency beyond Node's own modules: so that the `vodsr` binary can start
 * the probe of `vodsr run <file>` before it loads the rest of the CLI (`startRunSourceProbe`), and the local backend
 * finds it done at submit (`sourceMedia.ts`) instead of starting ffprobe again.
 */

/** ffprobe's JSON (`-show_format -show_streams`) by path + size + mtime; `undefined` when ffprobe failed. */
const probes = new Map<string, Promise<string | undefined>>();

/** The cache key of a local file as it is now (path, size, mtime); `undefined` for special or missing files. */
function sourceProbeKey(path: string): string | undefined {
  try {
    const st = statSync(path);
    return st.isFile() ? `${path}\0${st.size}\0${st.mtimeMs}` : undefined;
  } catch {
    return undefined;
  }
}

function ffprobe(path: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(
      'ffprobe',
      // `file:` so that no path (`-x.mp4`, `concat:…`, `a:b`) is read as an option or a protocol.
      ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', `file:${path}`],
      { timeout: 30_000, maxBuffer: 8 * 1024 * 1024 },
      (err, stdout) => resolve(err ? undefined : stdout),
    );
  });
}

/**
 * ffprobe's JSON of the local file `path` as it is now (one process per path, size and mtime, however many ask);
 * `undefined` for a special or missing file, or one ffprobe cannot read. Never rejects.
 */
export function probeSourceFile(path: string): Promise<string | undefined> {
  const key = sourceProbeKey(path);
  if (key === undefined) return Promise.resolve(undefined);
  let p = probes.get(key);
  if (!p) {
    p = ffprobe(path);
    probes.set(key, p);
    if (probes.size > 256) probes.delete(probes.keys().next().value as string);
  }
  return p;
}

/** The probe `probeSourceFile` made of `path`, if the file is unchanged since; never starts one. */
export function madeSourceProbe(path: string): Promise<string | undefined> | undefined {
  const key = sourceProbeKey(path);
  return key === undefined ? undefined : probes.get(key);
}

/**
 * Called by the `vodsr` binary with its arguments before it loads the CLI: for `vodsr run <path> …` (the source
 * first, a plain path to a regular file) it starts that file's ffprobe, which then runs on the other core while
 * Node loads the CLI, instead of after. Anything else (another command, an option first, an S3 or `file://` URI) is
 * left to the normal path, which probes at submit as before.
 *
 * @example startRunSourceProbe(process.argv.slice(2));
 */
export function startRunSourceProbe(argv: readonly string[]): void {
  const [command, source] = argv;
  if (command !== 'run' || !source || source.startsWith('-') || source.includes('\0')) return;
  if (/^[a-z][a-z0-9+.-]*:/i.test(source)) return;
  void probeSourceFile(source);
}
