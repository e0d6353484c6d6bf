import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { GuessedMedia } from '@vodsr/api';
import { parseLocation } from '@vodsr/core';
import type { CostFigures, EstimateOptions, ThroughputTable } from '@vodsr/core/cost';
import { EXIT } from '../exitCodes.js';
import type { Io } from '../io.js';
import { DEFAULT_DATA_DIR, type GlobalOptions } from '../options.js';
import { backendOf } from '../services.js';
import { guarded } from './common.js';

/** Arguments of `vodsr estimate`. */
export interface EstimateArgs extends GlobalOptions {
  /** A local video, `s3://bucket/key`, or `s3://bucket/prefix/` (every video below it). */
  source: string;
  model?: string;
  scale?: number;
  instanceType?: string;
  spot?: boolean;
  /** @default `host` on the local backend, `mediaconvert` on AWS */
  packaging?: 'mediaconvert' | 'host' | 'none';
  s3Endpoint?: string;
}

/** One estimated object. */
export interface EstimatedSource {
  readonly source: string;
  readonly media: GuessedMedia['media'];
  readonly estimate: CostFigures;
}

/**
 * The throughput learned where the jobs ran: the local database's (`<dataDir>/jobs.db`, if there is one; host kind
 * `local`), or on AWS the newest 50 succeeded executions of `--state-machine-arn` (host kind = `--instance-type`).
 * Without either, the documented default (`DEFAULT_SECONDS_PER_FRAME`).
 */
async function learnedThroughput(
  args: EstimateArgs,
  api: typeof import('@vodsr/api'),
): Promise<{ table?: ThroughputTable; host?: string }> {
  const backend = backendOf(args);
  if (backend === 'local') {
    const dataDir = args.dataDir ?? DEFAULT_DATA_DIR;
    if (!existsSync(join(dataDir, 'jobs.db'))) return { host: 'local' };
    const svc = await api.LocalJobService.open({ dataDir, workers: false });
    try {
      return { table: svc.throughput(), host: 'local' };
    } finally {
      await svc.close();
    }
  }
  if (backend === 'aws' && args.stateMachineArn) {
    const learned = await api.learnFromExecutions(args.stateMachineArn, {
      ...(args.instanceType ? { instanceType: args.instanceType } : {}),
      ...(args.region ? { region: args.region } : {}),
    });
    return { table: learned.table };
  }
  return {};
}

function usd(n: number): string {
  return `$${n < 0.01 ? n.toFixed(6) : n.toFixed(4)}`;
}

/**
 * `vodsr estimate <source|prefix>`: a local source is probed with ffprobe, an S3 object estimated from its size
 * (HeadObject; a prefix: every video the listing holds, summed). The throughput is the one learned from finished
 * jobs (`learnedThroughput`), the default until there are any: the assumptions say which ("learned from N job(s)"
 * or "not measured yet, default"). Prints GPU seconds, dollars (GPU, packaging, transitions) and every assumption;
 * `--json` prints `{ sources: [...], total }`.
 */
export async function estimateCommand(args: EstimateArgs, io: Io): Promise<number> {
  return guarded(io, args.json, async () => {
    const api = await import('@vodsr/api');
    const { DEFAULT_VIDEO_SUFFIXES } = await import('@vodsr/core/ingest');
    const spec = { model: args.model ?? 'A', scale: args.scale ?? 2 };
    const learned = await learnedThroughput(args, api);
    const opts: EstimateOptions = {
      packaging: args.packaging ?? (backendOf(args) === 'aws' ? 'mediaconvert' : 'host'),
      ...(args.instanceType ? { instanceType: args.instanceType } : {}),
      ...(args.spot ? { purchase: 'spot' as const } : {}),
      ...(learned.host !== undefined ? { throughputHost: learned.host } : {}),
    };
    const loc = parseLocation(args.source);
    const guessed: { source: string; g: GuessedMedia }[] = [];
    if (loc.kind === 'file') {
      guessed.push({ source: args.source, g: await api.probeMedia(loc.path) });
    } else {
      const s3 = args.s3Endpoint
        ? await api.localS3Client(args.s3Endpoint)
        : new (await import('@aws-sdk/client-s3')).S3Client(args.region ? { region: args.region } : {});
      try {
        if (loc.key === '' || loc.key.endsWith('/')) {
          const objects = await api.listS3Objects(s3, loc.bucket, loc.key);
          for (const o of objects) {
            const k = o.key.toLowerCase();
            if (!DEFAULT_VIDEO_SUFFIXES.some((s) => k.endsWith(s.toLowerCase()))) continue;
            guessed.push({ source: `s3://${loc.bucket}/${o.key}`, g: api.mediaFromSize(o.size) });
          }
        } else {
          const { HeadObjectCommand } = await import('@aws-sdk/client-s3');
          const h = await s3.send(new HeadObjectCommand({ Bucket: loc.bucket, Key: loc.key }));
          guessed.push({ source: args.source, g: api.mediaFromSize(h.ContentLength ?? 0) });
        }
      } finally {
        s3.destroy();
      }
    }
    const sources: EstimatedSource[] = guessed.map(({ source, g }) => ({
      source,
      media: g.media,
      estimate: api.estimateFor(g, spec, opts, undefined, learned.table),
    }));
    const total = api.sumEstimates(sources.map((s) => s.estimate));
    if (args.json) {
      io.out(JSON.stringify({ sources, total }, null, 2));
      return EXIT.OK;
    }
    for (const s of sources) {
      const e = s.estimate;
      io.out(`${s.source}: ${s.media.width}x${s.media.height}, ${s.media.durationSeconds} s`);
      io.out(`  GPU seconds: ${e.gpuSeconds}`);
      io.out(
        `  cost: ${usd(e.usd.total)} (GPU ${usd(e.usd.gpu)}, packaging ${usd(e.usd.packaging)}, transitions ${usd(e.usd.transitions)}; prices of ${e.pricesDate})`,
      );
      io.out('  assumptions:');
      for (const a of e.assumptions) io.out(`    - ${a}`);
    }
    if (sources.length !== 1)
      io.out(`total: ${total.jobs} video(s), ${total.gpuSeconds} GPU s, ${usd(total.usd.total)}`);
    return EXIT.OK;
  });
}
