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
