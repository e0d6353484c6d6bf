import type { FleetStatus } from '@vodsr/core/workflow';
import type { Io } from '../io.js';
import type { GlobalOptions } from '../options.js';
import { awsFleetOptions, backendOf, openService } from '../services.js';
import { guarded } from './common.js';

/** A fleet status as text: one line per host and slot, then the queues. */
export function formatFleet(f: FleetStatus): string {
  const lines: string[] = [];
  for (const h of f.hosts) {
    const prot = h.protectedFromScaleIn ? ', protected from scale-in' : '';
    const aws = [h.instanceType, h.market, h.lifecycleState].filter(Boolean).join(' ');
    const price = h.usdPerHour !== undefined ? `, $${h.usdPerHour.toFixed(3)}/h` : '';
    lines.push(`${h.instanceId}: ${h.state}${prot}, ${h.placed} placed${aws ? ` (${aws}${price})` : ''}`);
    for (const s of h.slots) lines.push(`  slot ${s.slot}: ${s.state}${s.jobId ? ` ${s.jobId}` : ''}`);
  }
  for (const [priority, q] of Object.entries(f.queues)) {
    lines.push(
      `queue ${priority}: ${q.visible} waiting, ${q.inFlight} being answered, ${q.deadLetters} dead letters`,
    );
  }
  lines.push(`jobs waiting for a host: ${f.waitingJobs}`);
  if (f.oldestWaitingSeconds !== undefined) lines.push(`oldest waiting job: ${f.oldestWaitingSeconds} s`);
  if (f.usdPerHour !== undefined)
    lines.push(`fleet cost now: $${f.usdPerHour.toFixed(3)}/h (prices of ${f.pricesDate ?? '?'})`);
  return lines.join('\n');
}

/**
 * `vodsr fleet`: the hosts with their slots (free / reserved / running which job) and the work queues, from a
 * server that runs a fleet (`--api URL` against `vodsr serve --hosts N` or `vodsr dev --hosts N`), or with
 * `-b aws` from the deployed group, queues and agents' tags (`readAwsFleetStatus`; no state machine needed).
 */
export async function fleetCommand(args: GlobalOptions, io: Io): Promise<number> {
  return guarded(io, args.json, async () => {
    if (backendOf(args) === 'aws') {
      const { readAwsFleetStatus } = await import('@vodsr/api/aws');
      const status = await readAwsFleetStatus(awsFleetOptions(args, true));
      io.out(args.json ? JSON.stringify(status, null, 2) : formatFleet(status));
      return 0;
    }
    const service = await openService(args);
    try {
      const status = await service.fleetStatus?.();
      if (!status) {
        io.err(
          'no fleet here: run `vodsr serve --hosts N` or `vodsr dev --hosts N`, then `vodsr fleet --api URL`',
        );
        return 1;
      }
      io.out(args.json ? JSON.stringify(status, null, 2) : formatFleet(status));
      return 0;
    } finally {
      await service.close();
    }
  });
}
