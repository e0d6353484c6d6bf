import { FINAL_STATUSES, isFinalStatus, type JobProgress } from '@vodsr/core';
import type { JobFeed } from './JobFeed.js';
import type { JobStore } from './JobStore.js';
import { now } from './jobRecords.js';

/** A job's stages that report progress. */
export type ProgressStage = 'upscaling' | 'packaging';

/** The share of the overall percent each stage covers when the job packages. */
const STAGE_SPAN = { upscaling: [0, 85], packaging: [85, 100] } as const;

/**
 * The overall-percent range of a stage: upscaling is all of it when the job does not package.
 *
 * @example stageSpan('upscaling', true) // [0, 85]
 */
export function stageSpan(stage: ProgressStage, packages: boolean): readonly [number, number] {
  return stage === 'upscaling' && !packages ? [0, 100] : STAGE_SPAN[stage];
}

/**
 * Maps a stage's own progress to the job's: overall percent (one decimal), fps and speed as given, and an ETA from
 * the time elapsed since `startedMs`.
 *
 * @example overallProgress('packaging', true, { percent: 50 }, Date.now() - 10_000).percent // 92.5
 */
export function overallProgress(
  stage: ProgressStage,
  packages: boolean,
  p: { stage?: string; percent: number; fps?: number; speed?: number },
  startedMs: number,
): JobProgress {
  const [lo, hi] = stageSpan(stage, packages);
  const pct = Math.min(100, Math.max(0, p.percent));
  const overall = Math.round((lo + ((hi - lo) * pct) / 100) * 10) / 10;
  const elapsed = (Date.now() - startedMs) / 1000;
  const progress: JobProgress = { stage: p.stage ?? stage, percent: overall };
  if (p.fps !== undefined) progress.fps = p.fps;
  if (p.speed !== undefined) progress.speed = p.speed;
  if (overall >= 1 && overall < 100) progress.etaSeconds = Math.round((elapsed * (100 - overall)) / overall);
  return progress;
}

/** Progress of running jobs: written to the store at most once a second, every update handed to watchers. */
export class ProgressReporter {
  private readonly lastPersist = new Map<string, number>();
  private readonly lastProgress = new Map<string, JobProgress>();

  public constructor(
    private readonly store: JobStore,
    private readonly feed: JobFeed,
  ) {}

  public report(id: string, progress: JobProgress): void {
    this.lastProgress.set(id, progress);
    const t = Date.now();
    const last = this.lastPersist.get(id) ?? 0;
    if (t - last >= 1000) {
      this.lastPersist.set(id, t);
      this.feed.update(id, (r) =>
        FINAL_STATUSES.includes(r.status) || r.status === 'interrupted'
          ? undefined
          : { ...r, progress, updatedAt: now() },
      );
      return;
    }
    const cur = this.store.get(id);
    if (cur && !isFinalStatus(cur.status)) this.feed.emit({ ...cur, progress, updatedAt: now() });
  }

  /** The last progress reported for the job (kept on a failed job). */
  public last(id: string): JobProgress | undefined {
    return this.lastProgress.get(id);
  }

  public forget(id: string): void {
    this.lastPersist.delete(id);
    this.lastProgress.delete(id);
  }
}
