import { randomBytes } from 'node:crypto';
import { DEFAULT_LEASE_SECONDS, parseAcquireHostMessage, type WorkPriority } from '@vodsr/core/workflow';
import { errText, type HostAgentOptions, isClosedToken } from './agentOptions.js';
import { countBusy, freeSlots, releaseReservation, type SlotContext } from './agentSlots.js';
import type { AgentPlacement, AgentState, ReceivedWorkMessage } from './types.js';

/** Message handling of the host agent: a work message in, a placement (or a drop) out. */

/** What message handling needs from the agent besides its slots. */
export interface MessageContext extends SlotContext {
  readonly o: HostAgentOptions;
  readonly state: () => AgentState;
  readonly instanceId: () => string | undefined;
  readonly syncProtection: () => Promise<void>;
}

/**
 * Answers one work message: parses it, reserves a free slot with a fresh lease, protects the instance, sends the
 * placement, deletes the message (a closed token: released and dropped; another failure: handed back).
 */
export async function handleWorkMessage(
  ctx: MessageContext,
  priority: WorkPriority,
  msg: ReceivedWorkMessage,
): Promise<void> {
  let parsed: ReturnType<typeof parseAcquireHostMessage>;
  try {
    parsed = parseAcquireHostMessage(msg.body);
  } catch (e) {
    ctx.counts.malformed += 1;
    ctx.say('warn', 'malformed', 'a malformed work message: left to the dead-letter queue', {
      priority,
      messageId: msg.messageId,
      receiveCount: msg.receiveCount,
      error: errText(e),
    });
    return;
  }
  const { jobId, taskToken, attempt } = parsed;
  const slot = ctx.state() === 'running' ? freeSlots(ctx)[0] : undefined;
  if (slot === undefined) {
    // Stopping meanwhile: hand the message back at once.
    await ctx.o.queue.changeVisibility(priority, msg.receiptHandle, 0).catch(() => undefined);
    return;
  }
  const lease = `l-${randomBytes(12).toString('base64url')}`;
  const expiresAtMs = ctx.now() + (ctx.o.leaseSeconds ?? DEFAULT_LEASE_SECONDS) * 1000;
  ctx.files.reserve(slot, lease, expiresAtMs, jobId);
  ctx.mem[slot] = { state: 'reserved', lease, jobId, expiresAtMs };
  countBusy(ctx);
  await ctx.syncProtection();
  const placement: AgentPlacement = {
    instanceId: ctx.instanceId() as string,
    slot,
    lease,
    leaseExpiresAt: new Date(expiresAtMs).toISOString(),
  };
  if (ctx.state() === 'killed') return;
  try {
    await ctx.o.callbacks.sendTaskSuccess(taskToken, placement);
  } catch (e) {
    if (ctx.state() === 'killed') return;
    releaseReservation(ctx, slot, lease);
    if (isClosedToken(e)) {
      ctx.counts.dropped += 1;
      ctx.say('info', 'dropped', `job ${jobId}: its token is closed (${errText(e)}): message dropped`, {
        jobId,
        attempt,
        priority,
        receiveCount: msg.receiveCount,
      });
      await deleteMessage(ctx, priority, msg, jobId);
      return;
    }
    ctx.say(
      'warn',
      'answer-failed',
      `job ${jobId}: SendTaskSuccess failed: ${errText(e)}; message handed back`,
      {
        jobId,
        priority,
      },
    );
    await ctx.o.queue.changeVisibility(priority, msg.receiptHandle, 0).catch(() => undefined);
    return;
  }
  if (ctx.state() === 'killed') return;
  ctx.counts.placed += 1;
  ctx.say('info', 'placed', `job ${jobId} placed on slot ${slot}`, {
    jobId,
    attempt,
    priority,
    slot,
    lease,
    leaseExpiresAt: placement.leaseExpiresAt,
    waitedMs: msg.sentAt === undefined ? undefined : ctx.now() - msg.sentAt,
  });
  await deleteMessage(ctx, priority, msg, jobId);
}

/** Deletes a handled message; a failure only logs (the message comes back and is dropped then). */
export async function deleteMessage(
  ctx: MessageContext,
  priority: WorkPriority,
  msg: ReceivedWorkMessage,
  jobId: string,
): Promise<void> {
  try {
    await ctx.o.queue.delete(priority, msg.receiptHandle);
  } catch (e) {
    // It comes back after its visibility timeout; its token is answered by then, so it is dropped.
    ctx.say('warn', 'delete-failed', `job ${jobId}: deleting its message failed: ${errText(e)}`, {
      jobId,
    });
  }
}
