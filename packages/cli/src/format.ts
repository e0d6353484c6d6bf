import type { JobRecord } from '@vodsr/core';

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

/** A plain-text table (first row = header). */
export function table(rows: string[][]): string {
  const widths: number[] = [];
  for (const r of rows) {
    r.forEach((c, i) => {
      widths[i] = Math.max(widths[i] ?? 0, c.length);
    });
  }
  return rows
    .map((r) => r.map((c, i) => (i === r.length - 1 ? c : pad(c, widths[i] ?? 0))).join('  '))
    .join('\n');
}

/** Seconds as `1m05s` / `42s`. */
export function duration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '-';
  const s = Math.max(0, Math.round(seconds));
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/** A job as readable lines (for `status`, and the end of `run`/`watch`). */
export function describeJob(job: JobRecord): string {
  const lines = [
    `Job ${job.id} (${job.backend})`,
    `  status:   ${job.status}${job.status === 'succeeded' || job.status === 'failed' || job.status === 'cancelled' ? '' : ` ${job.progress.percent}%${job.progress.stage ? ` (${job.progress.stage})` : ''}`}`,
    `  source:   ${job.spec.source}`,
    `  model:    ${job.spec.model}${job.spec.scale ? ` x${job.spec.scale}` : ''}`,
    `  created:  ${job.createdAt}`,
  ];
  if (job.finishedAt) lines.push(`  finished: ${job.finishedAt}`);
  if (job.attempts > 1) lines.push(`  attempts: ${job.attempts}`);
  const o = job.outputs;
  if (o?.srFile)
    lines.push(
      `  SR file:  ${o.srFile}${o.sr ? ` (${o.sr.width}x${o.sr.height}, ${o.encoderUsed ?? ''})` : ''}`,
    );
  if (o?.hlsMaster) lines.push(`  HLS:      ${o.hlsMaster}`);
  else if (o?.hlsDir) lines.push(`  HLS:      ${o.hlsDir}`);
  if (o?.quality) lines.push(`  quality:  ${describeQuality(o.quality)}`);
  const est = job.cost?.estimate;
  const act = job.cost?.actual;
  if (est) lines.push(`  estimate: ${describeCost(est)}`);
  if (act) lines.push(`  actual:   ${describeCost(act)}`);
  for (const n of o?.notes ?? []) lines.push(`  note:     ${n}`);
  if (job.error) lines.push(`  error:    ${job.error.code}: ${job.error.message}`);
  if (job.status === 'failed' || job.status === 'cancelled')
    lines.push(`  retry:    vodsr retry ${job.id}   (runs the same input again, as a new job)`);
  if (job.executionArn) lines.push(`  execution: ${job.executionArn}`);
  return lines.join('\n');
}

/**
 * The quality figures as one line: `SR: 34.1 dB / 0.93, bicubic: 31.8 dB / 0.89 (+2.3 dB)`.
 *
 * @example describeQuality(job.outputs.quality)
 */
export function describeQuality(q: NonNullable<NonNullable<JobRecord['outputs']>['quality']>): string {
  const gain = q.gainDb;
  return `SR: ${q.sr.psnr.toFixed(1)} dB / ${q.sr.ssim.toFixed(2)}, bicubic: ${q.bicubic.psnr.toFixed(1)} dB / ${q.bicubic.ssim.toFixed(2)} (${gain >= 0 ? '+' : ''}${gain.toFixed(1)} dB)`;
}

/**
 * A cost as one line: GPU seconds and dollars (`cost.estimate` / `cost.actual` of a job).
 *
 * @example describeCost(job.cost.estimate) // '2.5 GPU s, $0.001300 (GPU …, packaging …, transitions …; prices of 2026-11-20; throughput learned from 3 job(s))'
 */
export function describeCost(c: NonNullable<NonNullable<JobRecord['cost']>['estimate']>): string {
  const d = (n: number) => `$${n.toFixed(6)}`;
  const t = c.throughput;
  const basis =
    t === undefined
      ? ''
      : t.basis === 'learned'
        ? `; throughput learned from ${t.samples} job(s)`
        : '; default throughput';
  return `${c.gpuSeconds} GPU s, ${d(c.usd.total)} (GPU ${d(c.usd.gpu)}, packaging ${d(c.usd.packaging)}, transitions ${d(c.usd.transitions)}; prices of ${c.pricesDate}${basis})`;
}

/** One line per job (for `list`). */
export function jobTable(jobs: JobRecord[]): string {
  return table([
    ['ID', 'STATUS', 'PROGRESS', 'MODEL', 'CREATED', 'SOURCE'],
    ...jobs.map((j) => [
      j.id,
      j.status,
      `${Math.round(j.progress.percent)}%`,
      j.spec.model,
      j.createdAt.replace(/\.\d+Z$/, 'Z'),
      j.spec.source,
    ]),
  ]);
}
