import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { VodsrError } from '@vodsr/core';
import {
  type AcquireHostMessage,
  checkHostPlacement,
  type FleetHostStatus,
  type FleetSlotStatus,
  type FleetStatus,
  type HostPlacement,
} from '@vodsr/core/workflow';
import {
  type AgentLogEntry,
  HostAgent,
  type InstanceControlPort,
  type InstanceMetadataPort,
  type SpotInterruption,
} from '@vodsr/host-scripts';
import { LocalCommandRunner } from '../LocalCommandRunner.js';
import type { CommandRunner, HostRunResult, RunOptions } from '../types.js';
import { LocalTaskCallbacks, LocalTaskTokenError } from './LocalTaskCallbacks.js';
import { LocalWorkQueue } from './LocalWorkQueue.js';

/** Options of {@link LocalFleet}. */
export interface LocalFleetOptions {
  /** Hosts (each: its own agent, lock folder and work root). @default 1 */
  readonly hosts?: number;
  /** GPU slots per host. @default 1 */
  readonly slots?: number;
  /** Where the hosts' folders go (`<baseDir>/<instanceId>/{locks,work}`). */
  readonly baseDir: string;
  /** The host runner. @default vodsr-host of `@vodsr/host-scripts` */
  readonly scriptPath?: string;
  /** Extra environment of the runner. */
  readonly env?: Readonly<Record<string, string>>;
  /** S3-compatible endpoint for the runner's aws CLI. */
  readonly s3EndpointUrl?: string;
  /** The queues' visibility timeout. @default 30 */
  readonly visibilityTimeoutSeconds?: number;
  /** Receives before a message goes to the dead-letter queue. @default 5 */
  readonly maxReceiveCount?: number;
  /** Seconds a reservation waits for its command. @default DEFAULT_LEASE_SECONDS (300) */
  readonly leaseSeconds?: number;
  /** The agents' long-poll wait. @default 1 */
  readonly pollWaitSeconds?: number;
  /** The agents' lock-folder scan interval. @default 200 */
  readonly scanIntervalMs?: number;
  /** The agents' metadata check interval. @default 200 */
  readonly monitorIntervalMs?: number;
  /** The agents' JSON log entries (each with its `instanceId`). @default dropped */
  readonly log?: (entry: AgentLogEntry) => void;
  /** Start the agents at once. @default true */
  readonly start?: boolean;
}

/** What `vodsr fleet` / `GET /v1/fleet` show of a local fleet: core's `FleetStatus` (schema `FleetStatusSchema`). */
export type { FleetHostStatus, FleetSlotStatus, FleetStatus };

interface LocalHost {
  readonly instanceId: string;
  readonly lockDir: string;
  readonly workRoot: string;
  readonly agent: HostAgent;
  readonly runner: LocalCommandRunner;
  readonly children: Set<ChildProcess>;
  dead: boolean;
  killed: boolean;
  protectedFromScaleIn: boolean;
  lifecycleState: string;
  spot: SpotInterruption | undefined;
  lifecycleCompletions: number;
  maxRunning: number;
  runPromise: Promise<void> | undefined;
}

/**
 * The local twin of the GPU fleet (DESIGN "Catalogue scale: hosts pull"): N hosts × K slots, each running the REAL
 * host agent ({@link HostAgent}, the class a GPU host runs) against a local work queue and local task callbacks,
 * and the real `vodsr-host` through {@link LocalCommandRunner} with its own lock folder and work root.
 *
 * Wiring: `acquireHost` is the local handler of `AcquireHost` / `AcquireBulkHost` (it enqueues the message with a
 * fresh token and resolves with the placement an agent answers); `run` is the local handler of `RunHost` (the
 * command goes to the placement's host and claims its slot). An unknown or dead host rejects with
 * `VODSR_SSM_UNDELIVERABLE`; a host killed mid-run rejects its runs with `VODSR_HOST_LOST` (on AWS: the heartbeat
 * timeout) — both send the job back to the queue.
 *
 * @example
 * const fleet = new LocalFleet({ hosts: 3, slots: 2, baseDir: '/tmp/vodsr-fleet' });
 * const executor = createWorkflowExecutor({ acquireHost: (m, s) => fleet.acquireHost(m, s) });
 * // RunHost: (task) => fleet.run(placementOf(task), task.Parameters.jobB64[0])
 * console.log(fleet.status());
 * await fleet.close();
 */
export class LocalFleet {
  /** The work queues (interactive, bulk). */
  public readonly queue: LocalWorkQueue;
  /** The task-token registry agents answer. */
  public readonly callbacks: LocalTaskCallbacks;
  private readonly hosts = new Map<string, LocalHost>();
  private readonly waiting = new Map<string, number>();
  private closed = false;

  public constructor(private readonly opts: LocalFleetOptions) {
    const hosts = opts.hosts ?? 1;
    const slots = opts.slots ?? 1;
    if (!Number.isInteger(hosts) || hosts < 0 || hosts > 64 || !Number.isInteger(slots) || slots < 1) {
      throw new VodsrError('VODSR_VALIDATION', 'A local fleet needs 0..64 hosts and at least 1 slot each', {
        details: { issues: [{ path: '/hosts', message: 'must be 0..64 hosts × ≥1 slots' }] },
      });
    }
    this.queue = new LocalWorkQueue({
      ...(opts.visibilityTimeoutSeconds === undefined
        ? {}
        : { visibilityTimeoutSeconds: opts.visibilityTimeoutSeconds }),
      ...(opts.maxReceiveCount === undefined ? {} : { maxReceiveCount: opts.maxReceiveCount }),
    });
    this.callbacks = new LocalTaskCallbacks();
    for (let i = 1; i <= hosts; i++) this.addHost(`local-${i}`);
    if (opts.start ?? true) this.start();
  }

  /** Instance ids of the hosts (alive or not). */
  public get instanceIds(): string[] {
    return [...this.hosts.keys()];
  }

  /** Starts every agent not yet started. */
  public start(): void {
    for (const h of this.hosts.values()) {
      if (h.runPromise || h.dead) continue;
      h.runPromise = h.agent.run().catch((e: unknown) => {
        this.opts.log?.({
          level: 'error',
          event: 'agent-failed',
          message: String(e),
          instanceId: h.instanceId,
        });
      });
    }
  }

  /**
   * `AcquireHost`'s local handler: enqueues the message (with a fresh token in place of the execution's) and
   * resolves with the placement an agent answers. Aborting closes the token (an agent answering later gets
   * `TaskTimedOut` and drops the message, as on AWS); the abort reason is the rejection.
   */
  public async acquireHost(message: AcquireHostMessage, signal?: AbortSignal): Promise<HostPlacement> {
    if (this.closed) throw new VodsrError('VODSR_CANCELLED', 'The local fleet is closed');
    const { token, result } = this.callbacks.open();
    const body: AcquireHostMessage = { ...message, taskToken: token };
    this.waiting.set(token, Date.now());
    const onAbort = () =>
      this.callbacks.close(
        token,
        signal?.reason instanceof Error ? signal.reason : new LocalTaskTokenError('TaskTimedOut', 'aborted'),
      );
    if (signal?.aborted) onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      this.queue.send(message.priority, JSON.stringify(body));
      return checkHostPlacement(await result);
    } finally {
      this.waiting.delete(token);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /**
   * `RunHost`'s local handler: runs the host job on the placement's host, in its reserved slot.
   *
   * @example const result = await fleet.run(placement, input.hostJobB64, { onProgress });
   */
  public async run(
    placement: HostPlacement,
    hostJobB64: string,
    opts: RunOptions = {},
  ): Promise<HostRunResult> {
    const h = this.hosts.get(placement.instanceId);
    if (!h || h.dead) {
      throw new VodsrError(
        'VODSR_SSM_UNDELIVERABLE',
        `The command cannot be delivered to ${placement.instanceId}: ${h ? 'the host is gone' : 'no such host'}`,
        { details: { instanceId: placement.instanceId } },
      );
    }
    try {
      return await h.runner.run(hostJobB64, { ...opts, slot: placement.slot, lease: placement.lease });
    } catch (e) {
      if (h.killed) {
        throw new VodsrError('VODSR_HOST_LOST', `The host ${h.instanceId} died while running the job`, {
          cause: e,
          details: { instanceId: h.instanceId },
        });
      }
      throw e;
    } finally {
      h.agent.notify();
    }
  }

  /** A {@link CommandRunner} for one host (the placement's slot and lease come in `RunOptions`). */
  public runner(instanceId: string): CommandRunner {
    return {
      run: (hostJobB64: string, opts: RunOptions = {}) => {
        if (opts.slot === undefined || opts.lease === undefined) {
          return Promise.reject(
            new VodsrError('VODSR_VALIDATION', 'A fleet host runs only placed jobs: give slot and lease', {
              details: { issues: [{ path: '/lease', message: 'is required' }] },
            }),
          );
        }
        return this.run({ instanceId, slot: opts.slot, lease: opts.lease }, hostJobB64, opts);
      },
    };
  }

  /** A dead host: SIGKILL of its runners (their whole process groups) and its agent stops answering. */
  public kill(instanceId: string): void {
    const h = this.host(instanceId);
    h.dead = true;
    h.killed = true;
    h.agent.kill();
    for (const c of h.children) {
      try {
        if (c.pid !== undefined) process.kill(-c.pid, 'SIGKILL');
      } catch {
        c.kill('SIGKILL');
      }
    }
  }

  /** A Spot interruption notice (IMDS `spot/instance-action`) on a host. */
  public interruptSpot(instanceId: string): void {
    const time = new Date(Date.now() + 120_000).toISOString();
    this.host(instanceId).spot = { action: 'terminate', time };
  }

  /** The group terminates a host (IMDS `autoscaling/target-lifecycle-state` = `Terminated`). */
  public terminate(instanceId: string): void {
    this.host(instanceId).lifecycleState = 'Terminated';
  }

  /** SIGTERM to a host's agent: no more work, its runs finish; resolves once drained. */
  public async stopHost(instanceId: string): Promise<void> {
    await this.host(instanceId).agent.stop();
  }

  /** Times a host completed its termination lifecycle action. */
  public lifecycleCompletions(instanceId: string): number {
    return this.host(instanceId).lifecycleCompletions;
  }

  /** The agent of a host (status, counters). */
  public agent(instanceId: string): HostAgent {
    return this.host(instanceId).agent;
  }

  /** Hosts with their slots, queue depths per priority, the oldest waiting job's age. */
  public status(): FleetStatus {
    const now = Date.now();
    const oldest = [...this.waiting.values()].reduce((a, t) => Math.min(a, t), Number.POSITIVE_INFINITY);
    return {
      hosts: [...this.hosts.values()].map((h) => {
        const s = h.agent.status();
        return {
          instanceId: h.instanceId,
          state: h.dead ? 'dead' : s.state,
          protectedFromScaleIn: h.protectedFromScaleIn,
          slots: [...s.slots],
          running: liveProcesses(h.children),
          maxRunning: h.maxRunning,
          placed: s.counts.placed,
        };
      }),
      queues: this.queue.depths(),
      waitingJobs: this.waiting.size,
      ...(Number.isFinite(oldest) ? { oldestWaitingSeconds: Math.round((now - oldest) / 100) / 10 } : {}),
    };
  }

  /** Stops everything: agents killed, runners killed, queue waits ended, waiting tokens closed. */
  public async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const h of this.hosts.values()) if (!h.dead) this.kill(h.instanceId);
    this.queue.close();
    await Promise.allSettled([...this.hosts.values()].map((h) => h.runPromise));
  }

  private host(instanceId: string): LocalHost {
    const h = this.hosts.get(instanceId);
    if (!h) {
      throw new VodsrError('VODSR_VALIDATION', `No local host ${instanceId}`, {
        details: { issues: [{ path: '/instanceId', message: 'unknown host' }] },
      });
    }
    return h;
  }

  private addHost(instanceId: string): void {
    const o = this.opts;
    const dir = join(o.baseDir, instanceId);
    const lockDir = join(dir, 'locks');
    const workRoot = join(dir, 'work');
    mkdirSync(lockDir, { recursive: true });
    mkdirSync(workRoot, { recursive: true });
    const children = new Set<ChildProcess>();
    const runner = new LocalCommandRunner({
      ...(o.scriptPath ? { scriptPath: o.scriptPath } : {}),
      ...(o.env ? { env: { ...o.env } } : {}),
      ...(o.s3EndpointUrl ? { s3EndpointUrl: o.s3EndpointUrl } : {}),
      workRoot,
      lockDir,
      slots: o.slots ?? 1,
      // Runner processes alive on the host (what the kernel says: an exited process is gone before Node's 'exit').
      onSpawn: (c) => {
        children.add(c);
        h.maxRunning = Math.max(h.maxRunning, liveProcesses(children));
        c.once('exit', () => {
          children.delete(c);
          h.agent.notify();
        });
      },
    });
    // The host's own metadata and Auto Scaling, in memory: the agent's ports.
    const metadata: InstanceMetadataPort = {
      instanceId: async () => instanceId,
      spotInterruption: async () => h.spot,
      targetLifecycleState: async () => h.lifecycleState,
    };
    const control: InstanceControlPort = {
      setScaleInProtection: async (_id, protect) => {
        h.protectedFromScaleIn = protect;
      },
      completeLifecycleAction: async () => {
        h.lifecycleCompletions += 1;
        // The group terminates the instance now.
        h.dead = true;
      },
    };
    const agent = new HostAgent({
      slots: o.slots ?? 1,
      lockDir,
      queue: this.queue,
      callbacks: this.callbacks,
      control,
      metadata,
      ...(o.leaseSeconds === undefined ? {} : { leaseSeconds: o.leaseSeconds }),
      pollWaitSeconds: o.pollWaitSeconds ?? 1,
      scanIntervalMs: o.scanIntervalMs ?? 200,
      monitorIntervalMs: o.monitorIntervalMs ?? 200,
      errorDelayMs: 200,
      log: o.log ?? (() => undefined),
    });
    const h: LocalHost = {
      instanceId,
      lockDir,
      workRoot,
      agent,
      runner,
      children,
      dead: false,
      killed: false,
      protectedFromScaleIn: false,
      lifecycleState: 'InService',
      spot: undefined,
      lifecycleCompletions: 0,
      maxRunning: 0,
      runPromise: undefined,
    };
    this.hosts.set(instanceId, h);
  }
}

/** Runner processes that still exist (`kill(pid, 0)`), the measure the agent itself uses. */
function liveProcesses(children: ReadonlySet<ChildProcess>): number {
  let n = 0;
  for (const c of children) {
    if (c.pid === undefined) continue;
    try {
      process.kill(c.pid, 0);
      n += 1;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EPERM') n += 1;
    }
  }
  return n;
}
