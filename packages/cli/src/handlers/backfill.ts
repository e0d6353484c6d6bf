import { join } from 'node:path';
import type {
  BackfillEvent,
  BackfillRunProgress,
  BackfillTarget,
  JobService,
  LocalExecutor,
} from '@vodsr/api';
import type { TriggerConfig } from '@vodsr/core/ingest';
import { EXIT } from '../exitCodes.js';
import { duration } from '../format.js';
import type { Io } from '../io.js';
import { DEFAULT_DATA_DIR, DEFAULT_OUTPUT_DIR, type GlobalOptions } from '../options.js';
import { backendOf } from '../services.js';
import { guarded } from './common.js';

/** Arguments of `vodsr backfill`. */
export interface BackfillArgs extends GlobalOptions {
  /** `s3://bucket/prefix/`. */
  source: string;
  /** Comma-separated globs, e.g. `'*.mp4,*.mov'`. */
  include?: string;
  /** At most this many of the backfill's jobs queued or running at once. */
  concurrency?: number;
  dryRun?: boolean;
  /** Output root `s3://bucket/prefix/` (the trigger's). @default `s3://vodsr-out/` with `--s3-endpoint` */
  output?: string;
  model?: string;
  preset?: string;
  /** A local S3-compatible server (`vodsr dev` prints it). */
  s3Endpoint?: string;
  /** Local backend: jobs run at once in this process. @default 1 */
  slots?: number;
  /** Wait for the jobs to end. @default true */
  wait?: boolean;
  /** Each job measures SR vs bicubic PSNR/SSIM (`quality: true`). */
  quality?: boolean;
  /** AWS: the fleet's instance type, for the learned throughput and the prices. @default g6e.xlarge */
  instanceType?: string;
  /** AWS: the fleet runs on Spot (its prices). @default on-demand */
  spot?: boolean;
}

/** Injected by tests: a fast executor, a stop signal, the poll interval. */
export interface BackfillDeps {
  readonly executor?: LocalExecutor;
  readonly signal?: AbortSignal;
  readonly pollMs?: number;
}

/** `key → name` / `key (reason)` lines of a dry run. */
function planLines(e: Extract<BackfillEvent, { type: 'plan' }>): string[] {
  const lines: string[] = [];
  for (const i of e.plan.items) {
    if (i.action === 'submit') lines.push(`submit  ${JSON.stringify(i.key)} → ${i.name}`);
    else lines.push(`skip    ${JSON.stringify(i.key)} (${i.reason}: ${i.detail})`);
  }
  const c = e.plan.counts;
  const reasons = Object.entries(c.byReason)
    .map(([r, n]) => `${r} ${n}`)
    .join(', ');
  lines.push(`${c.listed} listed: ${c.submit} to submit, ${c.skip} skipped${reasons ? ` (${reasons})` : ''}`);
  const est = e.estimate;
  lines.push(
    `estimate: ${est.jobs} job(s), ${est.gpuSeconds} GPU s, $${est.usd.total.toFixed(4)} (GPU $${est.usd.gpu.toFixed(4)}, packaging $${est.usd.packaging.toFixed(4)}, transitions $${est.usd.transitions.toFixed(4)}; prices of ${est.pricesDate})`,
  );
  for (const a of est.assumptions) lines.push(`  assumes: ${a}`);
  return lines;
}

function progressLine(p: BackfillRunProgress): string {
  return `submitted ${p.submitted} · skipped ${p.skipped} · running ${p.running} · succeeded ${p.succeeded} · failed ${p.failed}${p.pending ? ` · pending ${p.pending}` : ''}${p.etaSeconds !== undefined ? ` · ETA ${duration(p.etaSeconds)}` : ''}`;
}

/**
 * `vodsr backfill s3://bucket/prefix/`: lists the prefix (ListObjectsV2, paginated; `--s3-endpoint` for a local
 * S3 server), plans it with core's `planBackfill`, and starts every planned object on the bulk queue under the
 * trigger's deterministic name — locally through the local backend's `startExecution` (jobs run in this process),
 * on AWS one `StartExecution` per item on the job state machine. A name that exists (done or in flight) is skipped,
 * so a second run starts nothing and an interrupted run resumes. `--json`: one JSON event a line.
 */
export async function backfillCommand(args: BackfillArgs, io: Io, deps: BackfillDeps = {}): Promise<number> {
  return guarded(io, args.json, async () => {
    const api = await import('@vodsr/api');
    const { bucket, prefix } = api.parseBackfillLocation(args.source);
    const backend = backendOf(args);
    const local = backend === 'local';
    const s3 = args.s3Endpoint
      ? await api.localS3Client(args.s3Endpoint)
      : new (await import('@aws-sdk/client-s3')).S3Client(args.region ? { region: args.region } : {});
    let service: JobService | undefined;
    try {
      let target: BackfillTarget;
      let config: TriggerConfig;
      let learned: Pick<Parameters<typeof api.runBackfill>[0], 'estimate' | 'throughput'> = {};
      const output = args.output ?? (args.s3Endpoint ? 's3://vodsr-out/' : args.awsOutput);
      if (output === undefined) {
        const { ValidationError } = await import('@vodsr/core');
        throw new ValidationError('backfill', [
          { path: '/output', message: 'set --output s3://bucket/prefix/' },
        ]);
      }
      if (local) {
        // the same open-model fallback as a submitted job (`runnableModel`): backfill inputs skip `submit`
        const choice = await api.runnableModelId(args.model ?? 'A', () => api.listFfmpegFilters());
        if (choice.note) io.err(choice.note);
        const model = choice.model;
        const dataDir = args.dataDir ?? DEFAULT_DATA_DIR;
        const svc = await api.LocalJobService.open({
          dataDir,
          outputRoot: join(args.outputDir ?? DEFAULT_OUTPUT_DIR, 'jobs'),
          workers: args.dryRun !== true,
          slots: args.slots ?? 1,
          ...(deps.executor ? { executor: deps.executor } : {}),
          ...(args.s3Endpoint
            ? {
                s3EndpointUrl: args.s3Endpoint,
                env: { ...api.LOCAL_S3_ENV, VODSR_S3_ENDPOINT_URL: args.s3Endpoint },
              }
            : {}),
        });
        service = svc;
        target = api.serviceBackfillTarget(svc);
        // the plan's estimate uses what this database learned from its finished jobs (host kind `local`)
        learned = { estimate: { throughputHost: 'local' }, throughput: svc.throughput() };
        config = {
          outputRoot: output,
          model,
          ...(args.preset ? { packagingPreset: args.preset } : {}),
          ...(args.quality ? { quality: true } : {}),
          outputBucket: api.parseBackfillLocation(output).bucket,
        };
      } else if (backend === 'aws') {
        if (!args.stateMachineArn) {
          const { ValidationError } = await import('@vodsr/core');
          throw new ValidationError('backfill', [
            { path: '/stateMachineArn', message: 'set --state-machine-arn or VODSR_STATE_MACHINE_ARN' },
          ]);
        }
        target = await api.awsBackfillTarget(args.stateMachineArn, {
          ...(args.region ? { region: args.region } : {}),
          // learned and priced as the fleet runs: its instance type and market
          learn: {
            ...(args.instanceType ? { instanceType: args.instanceType } : {}),
            ...(args.spot ? { purchase: 'spot' as const } : {}),
          },
        });
        config = {
          outputRoot: output,
          ...(args.model ? { model: args.model } : {}),
          ...(args.preset ? { packagingPreset: args.preset } : {}),
          ...(args.quality ? { quality: true } : {}),
        };
      } else {
        const { VodsrError } = await import('@vodsr/core');
        throw new VodsrError(
          'VODSR_VALIDATION',
          'backfill through --api: use POST /v1/backfills (or run `vodsr backfill` on the local or AWS backend)',
        );
      }
      const objects = await api.listS3Objects(s3, bucket, prefix, deps.signal);

      let bar: { update(v: number, p?: object): void; setTotal(n: number): void; stop(): void } | undefined;
      let lastLine = '';
      const onEvent = (e: BackfillEvent): void => {
        if (args.json) {
          io.out(JSON.stringify(e));
          return;
        }
        if (e.type === 'plan') {
          if (args.dryRun) for (const l of planLines(e)) io.out(l);
          else
            io.err(
              planLines(e)
                .slice(-2 - e.estimate.assumptions.length)
                .join('\n'),
            );
          return;
        }
        if (args.dryRun) return;
        if (e.type === 'submitted') return;
        const p = e.progress;
        if (bar) {
          bar.update(p.succeeded + p.failed, {
            counts: progressLine({ ...p, etaSeconds: undefined } as BackfillRunProgress),
            eta_h: p.etaSeconds !== undefined ? duration(p.etaSeconds) : '-',
          });
          if (e.type === 'done') bar.stop();
          return;
        }
        const line = progressLine(p);
        if (line !== lastLine || e.type === 'done') io.err(line);
        lastLine = line;
      };
      if (io.interactive && !args.json && !args.dryRun) {
        const { default: cliProgress } = await import('cli-progress');
        const b = new cliProgress.SingleBar(
          {
            format: ' {bar} {value}/{total} | {counts} | ETA {eta_h}',
            hideCursor: true,
            stream: io.stderr ?? process.stderr,
          },
          cliProgress.Presets.shades_classic,
        );
        b.start(1, 0, { counts: '', eta_h: '-' });
        bar = b;
      }
      const result = await api.runBackfill({
        objects,
        options: {
          bucket,
          prefix,
          ...(args.include !== undefined ? { include: args.include } : {}),
          config,
        },
        target,
        ...(args.concurrency !== undefined ? { concurrency: args.concurrency } : {}),
        dryRun: args.dryRun === true,
        wait: args.wait !== false,
        ...learned,
        ...(deps.pollMs !== undefined ? { pollMs: deps.pollMs } : {}),
        ...(deps.signal ? { signal: deps.signal } : {}),
        onEvent: (e) => {
          if (bar && e.type === 'plan') {
            const c = e.plan.items.filter(
              (i) => i.action === 'submit' || (i.action === 'skip' && i.reason === 'exists'),
            ).length;
            bar.setTotal(Math.max(1, c));
          }
          onEvent(e);
        },
      });
      if (args.dryRun) {
        if (args.json) io.out(JSON.stringify({ type: 'done', progress: result.progress }));
        return EXIT.OK;
      }
      if (deps.signal?.aborted) {
        // what is left, and the two ways on: resume (a re-run starts only what has no job yet), or cancel them
        const left = result.progress.running;
        const where = local
          ? 'stay in this database (queued ones run with the next `vodsr serve` or backfill run)'
          : 'keep running on AWS';
        const aws = local ? '' : ' -b aws';
        io.err(
          `backfill stopped: ${left} job(s) it started have not ended and ${where}; run it again to resume, or ` +
            `cancel them: vodsr cancel --source-prefix ${args.source}${aws}`,
        );
        return EXIT.INTERRUPTED;
      }
      return result.progress.failed > 0 ? EXIT.FAILED : EXIT.OK;
    } finally {
      await service?.close();
      s3.destroy();
    }
  });
}
