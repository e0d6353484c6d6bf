import type { AgentConfig } from '../agentConfig.js';
import { HostAgent, type HostAgentOptions } from '../HostAgent.js';
import { AutoScalingInstanceControl } from './AutoScalingInstanceControl.js';
import { Ec2TagStatusPublisher } from './Ec2TagStatusPublisher.js';
import { ImdsMetadata } from './ImdsMetadata.js';
import { SfnTaskCallbacks } from './SfnTaskCallbacks.js';
import { SqsWorkQueue } from './SqsWorkQueue.js';

/**
 * The agent of a GPU host, wired to SQS, Step Functions, EC2 Auto Scaling, IMDSv2 and its instance's tags (its
 * published state) from its configuration.
 *
 * @example
 * const agent = createAwsAgent(readAgentConfig());
 * process.on('SIGTERM', () => void agent.stop());
 * await agent.run();
 */
export function createAwsAgent(
  config: AgentConfig,
  extra: Partial<Pick<HostAgentOptions, 'log' | 'scanIntervalMs'>> = {},
): HostAgent {
  const { region } = config;
  return new HostAgent({
    slots: config.slots,
    lockDir: config.lockDir ?? '/var/lib/vodsr/locks',
    priorities: config.queues.map((q) => q.priority),
    ...(config.leaseSeconds === undefined ? {} : { leaseSeconds: config.leaseSeconds }),
    ...(config.pollWaitSeconds === undefined ? {} : { pollWaitSeconds: config.pollWaitSeconds }),
    ...(config.monitorIntervalMs === undefined ? {} : { monitorIntervalMs: config.monitorIntervalMs }),
    ...(config.lifecycleHeartbeatSeconds === undefined
      ? {}
      : { lifecycleHeartbeatMs: config.lifecycleHeartbeatSeconds * 1000 }),
    publisher: new Ec2TagStatusPublisher({ region }),
    queue: new SqsWorkQueue({
      region,
      queueUrls: Object.fromEntries(config.queues.map((q) => [q.priority, q.url])),
    }),
    callbacks: new SfnTaskCallbacks({ region }),
    control: new AutoScalingInstanceControl({
      region,
      autoScalingGroupName: config.autoScalingGroupName,
      drainHookName: config.drainHookName,
    }),
    metadata: new ImdsMetadata(config.imdsEndpoint ? { endpoint: config.imdsEndpoint } : {}),
    ...extra,
  });
}
