import type { DevPipeline } from '../dev/devPipeline.js';
import type { Io } from '../io.js';
import type { GlobalOptions } from '../options.js';
import { guarded } from './common.js';

/** Arguments of `vodsr dev`. */
export interface DevArgs extends GlobalOptions {
  /** Loopback address of the S3 server and the API. */
  host?: string;
  /** Port of the local S3 server (0 = any free port). */
  s3Port?: number;
  /** Port of the API and viewer (0 = any free port). */
  port?: number;
  inputBucket?: string;
  outputBucket?: string;
  /** SR model (default: model A, or the open model when the Bluewhale filters are absent). */
  model?: string;
  preset?: string;
  slots?: number;
  /** Local hosts of a local fleet; `slots` is then per host. */
  hosts?: number;
  /** `--no-viewer`: API only. */
  viewer?: boolean;
  /** Jobs measure SR vs bicubic PSNR/SSIM. @default true */
  quality?: boolean;
}

/** Folder of `vodsr dev`'s S3 data, job database and staging files. */
export const DEFAULT_DEV_DATA_DIR = '.vodsr-dev';

/**
 * `vodsr dev`: the whole pipeline on this machine — a local S3 server with an input and an output bucket, the
 * trigger Lambda's handler fed by its upload events, jobs on the local backend, outputs published to the output
 * bucket, and the API with the viewer. Runs until `signal` fires (Ctrl-C), then stops everything in order.
 */
export async function devCommand(
  args: DevArgs,
  io: Io,
  signal: AbortSignal,
  onReady?: (dev: DevPipeline) => void,
): Promise<number> {
  return guarded(io, args.json, async () => {
    const { startDevPipeline } = await import('../dev/devPipeline.js');
    const json = args.json === true;
    const dev = await startDevPipeline({
      dataDir: args.dataDir ?? DEFAULT_DEV_DATA_DIR,
      host: args.host ?? '127.0.0.1',
      s3Port: args.s3Port ?? 4569,
      apiPort: args.port ?? 8080,
      ...(args.inputBucket !== undefined ? { inputBucket: args.inputBucket } : {}),
      ...(args.outputBucket !== undefined ? { outputBucket: args.outputBucket } : {}),
      ...(args.model !== undefined ? { model: args.model } : {}),
      ...(args.preset !== undefined ? { packagingPreset: args.preset } : {}),
      ...(args.slots !== undefined ? { slots: args.slots } : {}),
      ...(args.hosts !== undefined && args.hosts > 0 ? { hosts: args.hosts } : {}),
      viewer: args.viewer !== false,
      quality: args.quality !== false,
      log: (e) => io.err(json ? JSON.stringify(e) : `[${String(e.level ?? 'info')}] ${String(e.msg ?? '')}`),
    });
    try {
      const info = {
        s3Endpoint: dev.s3Endpoint,
        inputBucket: dev.inputBucket,
        outputBucket: dev.outputBucket,
        apiUrl: dev.apiUrl,
        viewerUrl: args.viewer === false ? undefined : `${dev.apiUrl}/viewer`,
        model: dev.model,
        ...(dev.modelNote ? { modelNote: dev.modelNote } : {}),
      };
      if (json) io.out(JSON.stringify(info));
      else {
        io.err(
          `local S3   ${dev.s3Endpoint}  (buckets ${dev.inputBucket} → ${dev.outputBucket}; access key S3RVER)`,
        );
        io.err(`API        ${dev.apiUrl}/v1/jobs  (no auth: loopback only)`);
        if (info.viewerUrl) io.err(`viewer     ${info.viewerUrl}`);
        io.err(`model      ${dev.model}${dev.modelNote ? ` — ${dev.modelNote}` : ''}`);
        io.err('upload a video to start a job, e.g.:');
        io.err(
          `  AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER aws s3 cp clip.mp4 s3://${dev.inputBucket}/clip.mp4 --endpoint-url ${dev.s3Endpoint}`,
        );
        io.err('Ctrl-C stops (running jobs are re-run on the next start).');
      }
      dev.events.on(
        'published',
        (r: { job: { id: string }; published: { srFile: string; hlsMaster?: string } }) => {
          if (json) io.out(JSON.stringify({ event: 'published', jobId: r.job.id, ...r.published }));
          else
            io.err(
              `job ${r.job.id} done: ${r.published.srFile}${r.published.hlsMaster ? ` + ${r.published.hlsMaster}` : ''}`,
            );
        },
      );
      dev.events.on('publish-failed', (r: { job: { id: string }; error: string }) => {
        if (json) io.out(JSON.stringify({ event: 'failed', jobId: r.job.id, error: r.error }));
        else io.err(`job ${r.job.id} not published: ${r.error}`);
      });
      onReady?.(dev);
      if (!signal.aborted)
        await new Promise<void>((r) => signal.addEventListener('abort', () => r(), { once: true }));
      io.err('stopping…');
      return 0;
    } finally {
      await dev.close();
    }
  });
}
