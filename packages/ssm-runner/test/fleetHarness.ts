/**
 * Runs core's workflow definition with aws-local-stepfunctions (the same definition infra-cdk deploys), with
 * AcquireHost → LocalFleet.acquireHost and RunHost → LocalFleet.run, as the local backend wires them.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildWorkflowDefinition,
  isVodsrError,
  parseJobSpec,
  prepareJob,
  type WorkflowInput,
} from '@vodsr/core';
import { type AcquireHostMessage, WORKFLOW_STATES as S, type WorkflowOptions } from '@vodsr/core/workflow';
import type { LocalFleet } from '@vodsr/ssm-runner';

/** aws-local-stepfunctions 3 needs Promise.withResolvers (Node ≥ 22). */
export function installPromiseWithResolvers(): void {
  const P = Promise as unknown as { withResolvers?: unknown };
  if (typeof P.withResolvers === 'function') return;
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    value: <T>() => {
      let resolve!: (v: T | PromiseLike<T>) => void;
      let reject!: (e?: unknown) => void;
      const promise = new Promise<T>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    },
  });
}

/** How one execution ended. */
export interface JobOutcome {
  readonly jobId: string;
  readonly ok: boolean;
  readonly error?: string;
  readonly cause?: string;
  /** `$.attempt.number` at the end. */
  readonly attempt?: number;
  /** `$.placement.instanceId` at the end. */
  readonly instanceId?: string;
  /** Every placement the job got, in order. */
  readonly placements: readonly { attempt: number; instanceId: string; slot: number }[];
  /** How many times AcquireHost sent the job to a queue. */
  readonly acquires: number;
}

/** Execution inputs of `n` jobs (model lanczos-x2 on the CPU, no packaging) writing into `outDir`. */
export function jobInputs(n: number, source: string, outDir: string, prefix = 'job'): WorkflowInput[] {
  return Array.from({ length: n }, (_, i) =>
    prepareJob(
      parseJobSpec({
        source,
        output: join(outDir, `${prefix}-${i}`),
        model: 'lanczos-x2',
        encoder: { codec: 'libx264', preset: 'ultrafast' },
        packaging: { preset: 'none' },
      }),
      { jobId: `${prefix}-${i}`, outputRoot: outDir },
    ),
  );
}

function named(e: unknown): Error {
  const err = new Error(e instanceof Error ? e.message : String(e));
  err.name = isVodsrError(e) ? e.code : e instanceof Error ? e.name : 'VODSR_INTERNAL';
  return err;
}

/** Options of {@link runWorkflow}. */
export interface RunWorkflowOptions {
  readonly definition?: WorkflowOptions;
  /**
   * AcquireHost's time limit, scaled down: after this many ms the handler closes its token and fails with
   * `States.Timeout`, as Step Functions does after the definition's `TimeoutSeconds` (`requeueSeconds`).
   */
  readonly acquireTimeoutMs?: number;
  /** Called as each AcquireHost starts (job id, attempt). */
  readonly onAcquire?: (jobId: string, count: number) => void;
}

/** Runs every input through the workflow at once; resolves when all executions ended. */
export async function runWorkflow(
  fleet: LocalFleet,
  inputs: readonly WorkflowInput[],
  opts: RunWorkflowOptions = {},
): Promise<JobOutcome[]> {
  installPromiseWithResolvers();
  const { StateMachine } = await import('aws-local-stepfunctions');
  const machine = new StateMachine(buildWorkflowDefinition(opts.definition ?? {}) as never, {
    validationOptions: { checkArn: false, checkPaths: false },
  });
  return Promise.all(
    inputs.map(async (input): Promise<JobOutcome> => {
      const placements: { attempt: number; instanceId: string; slot: number }[] = [];
      let acquires = 0;
      const acquire = async (task: unknown) => {
        const { MessageBody } = task as { MessageBody: AcquireHostMessage };
        acquires += 1;
        opts.onAcquire?.(input.jobId, acquires);
        const ac = new AbortController();
        let timedOut = false;
        const timer =
          opts.acquireTimeoutMs === undefined
            ? undefined
            : setTimeout(() => {
                timedOut = true;
                ac.abort();
              }, opts.acquireTimeoutMs);
        try {
          const p = await fleet.acquireHost(MessageBody, ac.signal);
          placements.push({ attempt: MessageBody.attempt, instanceId: p.instanceId, slot: p.slot });
          return { ...p };
        } catch (e) {
          if (timedOut) {
            const t = new Error('Task timed out');
            t.name = 'States.Timeout';
            throw t;
          }
          throw named(e);
        } finally {
          if (timer) clearTimeout(timer);
        }
      };
      const handlers = {
        [S.acquireHost]: acquire,
        [S.acquireBulkHost]: acquire,
        [S.runHost]: async (task: unknown) => {
          const t = task as {
            InstanceIds: string[];
            Parameters: { jobB64: string[]; slot: string[]; lease: string[] };
          };
          try {
            const res = await fleet.run(
              {
                instanceId: t.InstanceIds[0] as string,
                slot: Number(t.Parameters.slot[0]),
                lease: t.Parameters.lease[0] as string,
              },
              t.Parameters.jobB64[0] as string,
            );
            return JSON.parse(JSON.stringify(res));
          } catch (e) {
            throw named(e);
          }
        },
        [S.planPackaging]: async () => ({ Payload: { preset: 'none' } }),
        [S.notifySuccess]: async () => ({ Entries: [], FailedEntryCount: 0 }),
        [S.notifyFailure]: async () => ({ Entries: [], FailedEntryCount: 0 }),
      };
      const execution = machine.run(input as never, {
        overrides: {
          taskResourceLocalHandlers: handlers,
          retryIntervalOverrides: { [S.runHost]: 0, [S.acquireHost]: 0, [S.acquireBulkHost]: 0 },
        },
        context: { Task: { Token: `local-${input.jobId}` } },
      });
      try {
        const out = (await execution.result) as {
          attempt?: { number?: number };
          placement?: { instanceId?: string };
        };
        return {
          jobId: input.jobId,
          ok: true,
          ...(out.attempt?.number === undefined ? {} : { attempt: out.attempt.number }),
          ...(out.placement?.instanceId === undefined ? {} : { instanceId: out.placement.instanceId }),
          placements,
          acquires,
        };
      } catch (e) {
        const x = e as { name?: string; message?: string; cause?: unknown };
        return {
          jobId: input.jobId,
          ok: false,
          error: x.name ?? 'unknown',
          cause: x.message ?? String(e),
          placements,
          acquires,
        };
      }
    }),
  );
}

/** Every file under a folder (relative paths), for "nothing half-written" checks. */
export function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string, rel: string) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p, `${rel}${n}/`);
      else out.push(`${rel}${n}`);
    }
  };
  walk(dir, '');
  return out.sort();
}

/** The highest "claimed slots at once" a host's fake runner recorded. */
export function maxClaimed(hostDir: string): number {
  const log = join(hostDir, 'claims.log');
  if (!existsSync(log)) return 0;
  return readFileSync(log, 'utf8')
    .split('\n')
    .filter(Boolean)
    .reduce((m, l) => Math.max(m, Number(l.split(' ')[0])), 0);
}

/** Waits until `cond()` holds (polling; the test's own timeout bounds it). */
export async function until(cond: () => boolean, stepMs = 20): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, stepMs));
}
