import type { DescribeExecutionCommandOutput } from '@aws-sdk/client-sfn';
import type { JobOutputs, JobRecord, JobStatus, WorkflowInput } from '@vodsr/core';
import { type ExecutionPricing, executionActualCost, type PriceTable } from '@vodsr/core/cost';

/** Parses an execution's input or output JSON; undefined when absent or not JSON. */
export function parseJson<T>(s: string | undefined): T | undefined {
  if (!s) return undefined;
  try {
    return JSON.parse(s) as T;
  } catch {
    return undefined;
  }
}

/**
 * Maps a DescribeExecution answer to a job record: `cost.estimate` from its input (what the entry point estimated
 * before it ran), and for a succeeded one `cost.actual` from its output (the host's measured seconds, MediaConvert's
 * output durations) at the fleet's pricing.
 */
export function toJobRecord(
  d: DescribeExecutionCommandOutput,
  runningAs: JobStatus = 'running',
  cost: { readonly pricing?: ExecutionPricing; readonly prices?: PriceTable } = {},
): JobRecord {
  const input = parseJson<WorkflowInput>(d.input);
  const output = parseJson<{ host?: Record<string, unknown> }>(d.output);
  const status: JobStatus =
    d.status === 'SUCCEEDED'
      ? 'succeeded'
      : d.status === 'ABORTED'
        ? 'cancelled'
        : d.status === 'FAILED' || d.status === 'TIMED_OUT' || d.status === 'PENDING_REDRIVE'
          ? 'failed'
          : runningAs;
  const started = (d.startDate ?? new Date(0)).toISOString();
  const rec: JobRecord = {
    id: d.name ?? d.executionArn?.split(':').pop() ?? '',
    backend: 'aws',
    spec: input?.job ?? { source: '', model: 'A' },
    status,
    progress: { percent: status === 'succeeded' ? 100 : 0, stage: status },
    createdAt: started,
    updatedAt: (d.stopDate ?? d.startDate ?? new Date(0)).toISOString(),
    startedAt: started,
    attempts: 1,
  };
  if (d.executionArn) rec.executionArn = d.executionArn;
  if (d.stopDate) rec.finishedAt = d.stopDate.toISOString();
  if (status === 'failed') {
    rec.error = {
      code: d.error && /^VODSR_[A-Z_]+$/.test(d.error) ? d.error : 'VODSR_WORKFLOW_FAILED',
      message: d.cause ?? (d.status === 'TIMED_OUT' ? 'The execution timed out' : 'The workflow failed'),
    };
    if (d.error && !/^VODSR_/.test(d.error)) rec.error.details = { stepFunctionsError: d.error };
  }
  if (status === 'cancelled')
    rec.error = { code: 'VODSR_CANCELLED', message: d.cause ?? 'The job was cancelled' };
  // the entry point's estimate (the trigger's and the backfill's: a size-based guess, said in its assumptions)
  const estimate = input?.estimate ?? undefined;
  if (estimate)
    rec.cost = {
      estimate: { ...estimate, usd: { ...estimate.usd }, assumptions: [...estimate.assumptions] },
    };
  if (status === 'succeeded' && input) {
    const host = output?.host ?? {};
    const outputs: JobOutputs = { srFile: input.srFile };
    if (input.packagingPreset !== 'none') outputs.hlsDir = input.hlsDestination;
    if (typeof host.encoder === 'string') outputs.encoderUsed = host.encoder;
    if (host.source) outputs.source = host.source as JobOutputs['source'];
    if (host.sr) outputs.sr = host.sr as JobOutputs['sr'];
    outputs.modelUsed = input.job.model;
    rec.outputs = outputs;
    const actual = executionActualCost(output, cost.pricing, cost.prices);
    if (actual !== undefined)
      rec.cost = {
        ...rec.cost,
        actual: { ...actual, usd: { ...actual.usd }, assumptions: [...actual.assumptions] },
      };
  }
  return rec;
}
