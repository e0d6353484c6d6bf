import Type, { type Static, type TSchema } from 'typebox';
import Value from 'typebox/value';
import { ValidationError } from './errors.js';

/**
 * The pull-admission contract between the workflow and the host agents (DESIGN "Catalogue scale: hosts pull").
 *
 * `AcquireHost` sends an {@link AcquireHostMessage} to a work queue with `sqs:sendMessage.waitForTaskToken` and
 * waits. An agent with a free GPU slot receives it, reserves the slot, answers `SendTaskSuccess(token,
 * HostPlacement)` and deletes the message. `RunHost` then sends the SSM command to that instance, naming the slot
 * and its lease, so no host ever holds more commands than slots.
 */

/** The work queues, in the order agents poll them: uploads and API jobs before backfills. */
export const WORK_PRIORITIES = ['interactive', 'bulk'] as const;

/** A work queue's priority. */
export type WorkPriority = (typeof WORK_PRIORITIES)[number];

/** A slot lease: opaque, safe in a document parameter and a file name. */
export const LEASE_PATTERN = '^[A-Za-z0-9_-]{8,64}$';

/** Most slots one host may announce. */
export const MAX_SLOTS_PER_HOST = 64;

/** Attempts at placing a job before a lost host fails it (`VODSR_HOST_LOST`). */
export const DEFAULT_MAX_HOST_ATTEMPTS = 3;

/**
 * How long `AcquireHost` waits for a host before it re-queues the job: 13 days, under SQS's 14-day maximum
 * message retention, so a message is never dropped by SQS while its job still waits.
 */
export const DEFAULT_REQUEUE_SECONDS = 13 * 86_400;

/** Seconds a reserved slot waits for its SSM command before the agent releases it. */
export const DEFAULT_LEASE_SECONDS = 300;

/**
 * Errors of `RunHost` that mean the job's host was lost, not that the job failed: the job goes back to
 * `AcquireHost` (another host takes it) until {@link DEFAULT_MAX_HOST_ATTEMPTS}.
 * - `States.HeartbeatTimeout`: the host stopped reporting.
 * - `VODSR_SSM_UNDELIVERABLE`: the command never reached the instance (gone, or its agent is down).
 * - `VODSR_HOST_LOST`: the agent reported a Spot interruption or a termination, or the instance was terminated.
 */
export const HOST_LOST_ERRORS = [
  'States.HeartbeatTimeout',
  'VODSR_SSM_UNDELIVERABLE',
  'VODSR_HOST_LOST',
] as const;

/**
 * What `AcquireHost` puts on a work queue: the job id and the task token (the job itself is in the execution).
 * When it was queued is the message's own `SentTimestamp`.
 */
export const AcquireHostMessageSchema = Type.Object(
  {
    v: Type.Literal(1),
    jobId: Type.String({ minLength: 1, maxLength: 256 }),
    taskToken: Type.String({ minLength: 1, maxLength: 4096 }),
    priority: Type.Union(WORK_PRIORITIES.map((p) => Type.Literal(p))),
    attempt: Type.Integer({ minimum: 1 }),
  },
  { $id: 'AcquireHostMessage' },
);

/** A message of the work queues. */
export type AcquireHostMessage = Static<typeof AcquireHostMessageSchema>;

/** The agent's answer to `AcquireHost` (its `SendTaskSuccess` output), stored at `$.placement`. */
export const HostPlacementSchema = Type.Object(
  {
    instanceId: Type.String({ pattern: '^(i-[0-9a-f]{8,17}|mi-[0-9a-f]{17}|local(-[A-Za-z0-9_-]{1,64})?)$' }),
    slot: Type.Integer({ minimum: 0, maximum: MAX_SLOTS_PER_HOST - 1 }),
    lease: Type.String({ pattern: LEASE_PATTERN }),
    /** When the reservation lapses unless the command claims it (ISO 8601). */
    leaseExpiresAt: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false, $id: 'HostPlacement' },
);

/** Where a job runs: the instance, its reserved slot and the lease. */
export type HostPlacement = Static<typeof HostPlacementSchema>;

function check<T>(schema: TSchema, what: string, v: unknown): T {
  if (Value.Check(schema, v)) return v as T;
  const issues = [...Value.Errors(schema, v)].map((e) => ({
    path: e.instancePath || '/',
    message: e.message,
  }));
  throw new ValidationError(what, issues);
}

/**
 * Parses a work-queue message body; throws `VODSR_VALIDATION` (a poison message: the agent leaves it to the DLQ).
 *
 * @example parseAcquireHostMessage('{"v":1,"jobId":"j","taskToken":"t","priority":"bulk","attempt":1}')
 */
export function parseAcquireHostMessage(body: string): AcquireHostMessage {
  let v: unknown;
  try {
    v = JSON.parse(body);
  } catch {
    throw new ValidationError('work queue message', [{ path: '/', message: 'is not JSON' }]);
  }
  return check<AcquireHostMessage>(AcquireHostMessageSchema, 'work queue message', v);
}

/**
 * Checks an agent's placement answer; throws `VODSR_VALIDATION` listing every problem.
 *
 * @example checkHostPlacement({ instanceId: 'i-0123456789abcdef0', slot: 0, lease: 'l-abcdefgh' })
 */
export function checkHostPlacement(v: unknown): HostPlacement {
  return check<HostPlacement>(HostPlacementSchema, 'host placement', v);
}

/** One GPU slot of a host as `vodsr fleet` / `GET /v1/fleet` show it. */
export const FleetSlotStatusSchema = Type.Object(
  {
    slot: Type.Integer({ minimum: 0, maximum: MAX_SLOTS_PER_HOST - 1 }),
    state: Type.Union([Type.Literal('free'), Type.Literal('reserved'), Type.Literal('running')]),
    jobId: Type.Optional(Type.String()),
    lease: Type.Optional(Type.String()),
    leaseExpiresAt: Type.Optional(Type.String()),
    pid: Type.Optional(Type.Integer()),
  },
  { $id: 'FleetSlotStatus' },
);

/** One host of the fleet. */
export const FleetHostStatusSchema = Type.Object(
  {
    instanceId: Type.String(),
    /** The agent's state (`starting`, `running`, `draining`, `lost`, `stopped`, `killed`) or `dead`. */
    state: Type.String(),
    protectedFromScaleIn: Type.Boolean(),
    slots: Type.Array(FleetSlotStatusSchema),
    /** Runner processes alive now. */
    running: Type.Integer({ minimum: 0 }),
    /** Most runner processes ever alive at once. */
    maxRunning: Type.Integer({ minimum: 0 }),
    /** Placements the agent answered. */
    placed: Type.Integer({ minimum: 0 }),
    /** The EC2 instance type (AWS). */
    instanceType: Type.Optional(Type.String()),
    /** The Auto Scaling lifecycle state (`Pending`, `InService`, `Terminating:Wait`, …) (AWS). */
    lifecycleState: Type.Optional(Type.String()),
    /** How the instance is bought (AWS). */
    market: Type.Optional(Type.Union([Type.Literal('on-demand'), Type.Literal('spot')])),
    /** This host's $ per hour from core's price table (`undefined`: its type is not in the table). */
    usdPerHour: Type.Optional(Type.Number({ minimum: 0 })),
    /** When the agent last published its state (ISO 8601; AWS: its instance tags). */
    reportedAt: Type.Optional(Type.String()),
  },
  { $id: 'FleetHostStatus' },
);

/** Depth of one work queue. */
export const FleetQueueStatusSchema = Type.Object(
  {
    visible: Type.Integer({ minimum: 0 }),
    inFlight: Type.Integer({ minimum: 0 }),
    deadLetters: Type.Integer({ minimum: 0 }),
    oldestAgeSeconds: Type.Optional(Type.Number({ minimum: 0 })),
  },
  { $id: 'FleetQueueStatus' },
);

/** The fleet: hosts with their slots, queue depths per priority, the oldest waiting job's age. */
export const FleetStatusSchema = Type.Object(
  {
    hosts: Type.Array(FleetHostStatusSchema),
    queues: Type.Object({ interactive: FleetQueueStatusSchema, bulk: FleetQueueStatusSchema }),
    waitingJobs: Type.Integer({ minimum: 0 }),
    oldestWaitingSeconds: Type.Optional(Type.Number({ minimum: 0 })),
    /** What the hosts running now cost per hour, from core's price table (AWS; hosts of unknown type count 0). */
    usdPerHour: Type.Optional(Type.Number({ minimum: 0 })),
    /** The price table's date (`usdPerHour`). */
    pricesDate: Type.Optional(Type.String()),
  },
  { $id: 'FleetStatus' },
);

/** What `vodsr fleet` and `GET /v1/fleet` return. */
export type FleetStatus = Static<typeof FleetStatusSchema>;
/** One host of {@link FleetStatus}. */
export type FleetHostStatus = Static<typeof FleetHostStatusSchema>;
/** One slot of {@link FleetHostStatus}. */
export type FleetSlotStatus = Static<typeof FleetSlotStatusSchema>;
/** One queue of {@link FleetStatus}. */
export type FleetQueueStatus = Static<typeof FleetQueueStatusSchema>;

/**
 * How a host agent publishes its state on AWS: tags on its own EC2 instance (`vodsr fleet -b aws` reads them with
 * `DescribeInstances`). Tags go with the instance (nothing to clean up when it terminates), cost nothing, and the
 * agent may write only `vodsr:agent:*` keys on instances of its own group. Display only: no decision reads them.
 */
export const AGENT_TAG_PREFIX = 'vodsr:agent:';

/** Most slots published as tags (EC2 allows 50 user tags per instance; the group and the agent use a few). */
export const MAX_TAGGED_SLOTS = 40;

/** What an agent publishes about itself (the counters of {@link FleetHostStatus}). */
export interface AgentTagState {
  readonly state: string;
  readonly placed: number;
  readonly maxRunning: number;
  readonly slots: readonly FleetSlotStatus[];
  /** When (ISO 8601). */
  readonly reportedAt: string;
}

/**
 * The instance tags of an agent state: `vodsr:agent:state`, `vodsr:agent:placed`, `vodsr:agent:max-running`, `vodsr:agent:reported` and
 * one `vodsr:agent:slot:N` per slot (`free`, `reserved:<jobId>:<leaseExpiresAt>`, `running:<jobId>`; no lease: it
 * stays on the host). Keys use only characters instance-metadata tags allow.
 *
 * @example agentStateTags(s)['vodsr:agent:slot:0'] === 'running:job-1'
 */
export function agentStateTags(s: AgentTagState): Record<string, string> {
  const tags: Record<string, string> = {
    'vodsr:agent:state': s.state,
    'vodsr:agent:placed': String(s.placed),
    'vodsr:agent:max-running': String(s.maxRunning),
    'vodsr:agent:reported': s.reportedAt,
  };
  for (const slot of s.slots.slice(0, MAX_TAGGED_SLOTS)) {
    const job = slot.jobId ?? '';
    tags[`vodsr:agent:slot:${slot.slot}`] =
      slot.state === 'free'
        ? 'free'
        : slot.state === 'reserved'
          ? `reserved:${job}:${slot.leaseExpiresAt ?? ''}`
          : `running:${job}`;
  }
  return tags;
}

/**
 * Reads {@link agentStateTags} back; `undefined` when the instance carries none (its agent has not reported yet).
 * Unknown or malformed values are skipped, never thrown: tags are display data.
 *
 * @example parseAgentStateTags({ 'vodsr:agent:state': 'running', 'vodsr:agent:slot:0': 'free' })?.slots[0]?.state === 'free'
 */
export function parseAgentStateTags(tags: Readonly<Record<string, string>>): AgentTagState | undefined {
  const state = tags['vodsr:agent:state'];
  if (state === undefined) return undefined;
  const int = (k: string) => {
    const n = Number(tags[k]);
    return Number.isInteger(n) && n >= 0 ? n : 0;
  };
  const slots: FleetSlotStatus[] = [];
  for (const [k, v] of Object.entries(tags)) {
    const m = /^vodsr:agent:slot:(\d{1,2})$/.exec(k);
    if (!m) continue;
    const slot = Number(m[1]);
    if (v === 'free') slots.push({ slot, state: 'free' });
    else if (v.startsWith('running:')) {
      const jobId = v.slice('running:'.length);
      slots.push({ slot, state: 'running', ...(jobId ? { jobId } : {}) });
    } else if (v.startsWith('reserved:')) {
      const rest = v.slice('reserved:'.length);
      const i = rest.indexOf(':');
      const jobId = i < 0 ? rest : rest.slice(0, i);
      const until = i < 0 ? '' : rest.slice(i + 1);
      slots.push({
        slot,
        state: 'reserved',
        ...(jobId ? { jobId } : {}),
        ...(until ? { leaseExpiresAt: until } : {}),
      });
    }
  }
  slots.sort((a, b) => a.slot - b.slot);
  return {
    state,
    placed: int('vodsr:agent:placed'),
    maxRunning: int('vodsr:agent:max-running'),
    slots,
    reportedAt: tags['vodsr:agent:reported'] ?? '',
  };
}
