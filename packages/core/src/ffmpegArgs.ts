import { cpuFallback, encoderArgs } from './encoder.js';
import { renderFilterChain } from './filters.js';
import { resolveModel } from './jobSpec.js';
import type { JobSpec, MediaInfo } from './schemas.js';

/** Options of `buildSrArgs`. */
export interface SrArgsOptions {
  /** Input file as FFmpeg should open it (default: the job's source). */
  readonly input?: string;
  /** Output file (default: the job's SR name). */
  readonly output?: string;
  /** The probed source, to adapt audio and pixel format. */
  readonly media?: MediaInfo;
  /** Emit machine-readable progress on stdout (`-nostats -progress pipe:1`). */
  readonly progress?: boolean;
  /** Use the CPU twin of the job's NVENC encoder. */
  readonly cpu?: boolean;
}

/**
 * Makes a local path safe as an FFmpeg URL argument: a leading `-` would read as an option, and a `name:`
 * prefix as a protocol (`concat:`, `http:`), so such paths get `./` or `file:`.
 */
export function ffmpegPath(p: string): string {
  if (p.startsWith('-')) return `./${p}`;
  if (/^[A-Za-z0-9_+.-]{2,}:/.test(p)) return `file:${p}`;
  return p;
}

/** The `-vf` value of a job. */
export function srFilterChain(job: Pick<JobSpec, 'model' | 'scale' | 'filters'>): string {
  return renderFilterChain(resolveModel(job).filters);
}

/**
 * The FFmpeg SR command of a job as an argv array (never a shell string), without the program name.
 * With the defaults, Model A and Model B give the use case's commands token for token:
 * `-y -i <in> -vf bdnvx_aws,bdsr_coupang_aws,noise=c0s=8:allf=t+u -c:v h264_nvenc -cq 13 -c:a copy <out>`.
 *
 * @example spawn('ffmpeg', buildSrArgs(job, { input: 'in.mp4', output: 'out.mp4' }))
 */
export function buildSrArgs(job: JobSpec, opts: SrArgsOptions = {}): string[] {
  const input = opts.input ?? job.source;
  const output = opts.output ?? job.srName;
  const enc = opts.cpu ? cpuFallback(job.encoder) : job.encoder;
  const args = ['-y'];
  if (opts.progress) args.push('-nostdin', '-hide_banner', '-nostats', '-progress', 'pipe:1');
  args.push('-i', ffmpegPath(input), '-vf', srFilterChain(job), ...encoderArgs(enc, opts.media));
  args.push(ffmpegPath(output));
  return args;
}
