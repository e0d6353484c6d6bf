import { CreateTagsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { agentStateTags } from '@vodsr/core/workflow';
import type { AgentStatus, StatusPublisherPort } from '../types.js';

/** Options of {@link Ec2TagStatusPublisher}. */
export interface Ec2TagStatusPublisherOptions {
  readonly client?: EC2Client;
  readonly region?: string;
  /** The clock of `vodsr:agent:reported`. @default Date.now */
  readonly now?: () => number;
}

/**
 * Publishes the agent's state as tags on its own instance (core's `agentStateTags`: `vodsr:agent:state`,
 * `vodsr:agent:slot:N`, …), one `CreateTags` per change. Why tags: they live and die with the instance (no stale
 * records of terminated hosts), `vodsr fleet` reads them in the same `DescribeInstances` that gives the market
 * and type, they cost nothing, and the role may only write `vodsr:agent:*` keys on its group's instances
 * (infra-cdk's `PublishOwnState` statement). With instance-metadata tags on, the agent could read them too.
 *
 * @example const publisher = new Ec2TagStatusPublisher({ region: 'eu-west-1' });
 */
export class Ec2TagStatusPublisher implements StatusPublisherPort {
  private readonly client: EC2Client;

  public constructor(private readonly opts: Ec2TagStatusPublisherOptions = {}) {
    this.client = opts.client ?? new EC2Client(opts.region ? { region: opts.region } : {});
  }

  public async publish(instanceId: string, status: AgentStatus): Promise<void> {
    const tags = agentStateTags({
      state: status.state,
      placed: status.counts.placed,
      maxRunning: status.counts.maxBusy,
      slots: status.slots.map((s) =>
        s.state === 'free'
          ? { slot: s.slot, state: 'free' }
          : {
              slot: s.slot,
              state: s.state,
              ...(s.jobId === undefined ? {} : { jobId: s.jobId }),
              ...(s.state === 'reserved' ? { leaseExpiresAt: s.leaseExpiresAt } : {}),
            },
      ),
      reportedAt: new Date((this.opts.now ?? Date.now)()).toISOString(),
    });
    await this.client.send(
      new CreateTagsCommand({
        Resources: [instanceId],
        Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
      }),
    );
  }
}
