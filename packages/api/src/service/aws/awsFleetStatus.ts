import type { AutoScalingClient, AutoScalingGroup } from '@aws-sdk/client-auto-scaling';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { EC2Client, Instance } from '@aws-sdk/client-ec2';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { VodsrError } from '@vodsr/core';
import { DEFAULT_PRICE_TABLE, type PriceTable } from '@vodsr/core/cost';
import {
  type FleetHostStatus,
  type FleetQueueStatus,
  type FleetStatus,
  parseAgentStateTags,
  WORK_PRIORITIES,
  type WorkPriority,
} from '@vodsr/core/workflow';

/** The SDK clients the AWS fleet status reads with (tests inject mocks). */
export interface AwsFleetClients {
  readonly autoScaling: Pick<AutoScalingClient, 'send'>;
  readonly ec2: Pick<EC2Client, 'send'>;
  readonly sqs: Pick<SQSClient, 'send'>;
  readonly cloudWatch: Pick<CloudWatchClient, 'send'>;
}

/** Where the deployed fleet is: the stack's outputs `FleetGroupName`, `InteractiveQueueUrl`, `BulkQueueUrl`. */
export interface AwsFleetOptions {
  readonly autoScalingGroupName: string;
  readonly queueUrls: Readonly<Record<WorkPriority, string>>;
  /** AWS region of the default clients. */
  readonly region?: string;
  /** @default new clients for `region`, imported lazily */
  readonly clients?: Partial<AwsFleetClients>;
  /** The price table of `usdPerHour`. @default core's `DEFAULT_PRICE_TABLE` */
  readonly prices?: PriceTable;
  /** The clock (epoch ms). @default Date.now */
  readonly now?: () => number;
}

function awsError(e: unknown, what: string): VodsrError {
  if (e instanceof VodsrError) return e;
  return new VodsrError('VODSR_AWS_ERROR', `${what} failed: ${(e as Error)?.message ?? String(e)}`, {
    cause: e,
    details: { awsError: (e as { name?: string })?.name ?? '' },
  });
}

/** The SDK modules, imported on first use (importing `@vodsr/api` loads none of them). */
interface Sdk {
  readonly asg: typeof import('@aws-sdk/client-auto-scaling');
  readonly cw: typeof import('@aws-sdk/client-cloudwatch');
  readonly ec2: typeof import('@aws-sdk/client-ec2');
  readonly sqs: typeof import('@aws-sdk/client-sqs');
}

interface Ctx extends AwsFleetClients {
  readonly sdk: Sdk;
}

async function context(o: AwsFleetOptions): Promise<Ctx> {
  const [asg, cw, ec2, sqs] = await Promise.all([
    import('@aws-sdk/client-auto-scaling'),
    import('@aws-sdk/client-cloudwatch'),
    import('@aws-sdk/client-ec2'),
    import('@aws-sdk/client-sqs'),
  ]);
  const cfg = o.region ? { region: o.region } : {};
  const c = o.clients ?? {};
  return {
    sdk: { asg, cw, ec2, sqs },
    autoScaling: c.autoScaling ?? new asg.AutoScalingClient(cfg),
    ec2: c.ec2 ?? new ec2.EC2Client(cfg),
    sqs: c.sqs ?? new sqs.SQSClient(cfg),
    cloudWatch: c.cloudWatch ?? new cw.CloudWatchClient(cfg),
  };
}

/** The queue URL of an SQS ARN (`arn:aws:sqs:region:account:name` → `https://sqs.region.amazonaws.com/account/name`). */
export function queueUrlOfArn(arn: string): string | undefined {
  const m = /^arn:aws[a-z-]*:sqs:([a-z0-9-]+):(\d{12}):([A-Za-z0-9_.-]+)$/.exec(arn);
  return m ? `https://sqs.${m[1]}.amazonaws.com/${m[2]}/${m[3]}` : undefined;
}

/**
 * The deployed fleet as `vodsr fleet -b aws` and `GET /v1/fleet` show it — core's `FleetStatus`, the same shape as
 * the local fleet's. Reads only: the group's instances with their lifecycle state and scale-in protection
 * (`DescribeAutoScalingGroups`), each instance's market, type and the state its agent published as tags
 * (`DescribeInstances`, core's `parseAgentStateTags`), each queue's depth and its dead-letter queue's
 * (`GetQueueAttributes`), the oldest message's age (CloudWatch `ApproximateAgeOfOldestMessage`, the last minute
 * reported: SQS metrics lag by a minute or more; left out when CloudWatch cannot be read), and $/h from the price
 * table. The caller needs `autoscaling:DescribeAutoScalingGroups`, `ec2:DescribeInstances`,
 * `sqs:GetQueueAttributes` and `cloudwatch:GetMetricData`.
 *
 * @example
 * const status = await readAwsFleetStatus({ autoScalingGroupName: 'Vodsr-vodsr-fleet', queueUrls: { interactive, bulk } });
 */
export async function readAwsFleetStatus(o: AwsFleetOptions): Promise<FleetStatus> {
  const clients = await context(o);
  const now = (o.now ?? Date.now)();
  const prices = o.prices ?? DEFAULT_PRICE_TABLE;
  const [group, queues, ages] = await Promise.all([
    describeGroup(clients, o.autoScalingGroupName),
    Promise.all(WORK_PRIORITIES.map((p) => queueDepth(clients, o.queueUrls[p]))),
    oldestAges(clients, o.queueUrls, now),
  ]);
  const instances = await describeInstances(
    clients,
    (group.Instances ?? []).flatMap((i) => (i.InstanceId ? [i.InstanceId] : [])),
  );
  const hosts: FleetHostStatus[] = (group.Instances ?? []).map((gi) => {
    const ec2 = instances.get(gi.InstanceId ?? '');
    const tags = Object.fromEntries((ec2?.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
    const agent = parseAgentStateTags(tags);
    const type = gi.InstanceType ?? ec2?.InstanceType;
    const market = ec2?.InstanceLifecycle === 'spot' ? 'spot' : 'on-demand';
    const price = type ? prices.instances[type] : undefined;
    const usd = price
      ? market === 'spot'
        ? (price.spotHourly ?? price.onDemandHourly)
        : price.onDemandHourly
      : undefined;
    const slots = agent?.slots ?? [];
    return {
      instanceId: gi.InstanceId ?? '',
      state: agent?.state ?? (gi.LifecycleState?.startsWith('Pending') ? 'starting' : 'not-reported'),
      protectedFromScaleIn: gi.ProtectedFromScaleIn === true,
      slots: [...slots],
      running: slots.filter((s) => s.state === 'running').length,
      maxRunning: agent?.maxRunning ?? 0,
      placed: agent?.placed ?? 0,
      ...(type ? { instanceType: type } : {}),
      ...(gi.LifecycleState ? { lifecycleState: gi.LifecycleState } : {}),
      market,
      ...(usd !== undefined ? { usdPerHour: usd } : {}),
      ...(agent?.reportedAt ? { reportedAt: agent.reportedAt } : {}),
    };
  });
  const byPriority = Object.fromEntries(
    WORK_PRIORITIES.map((p, i) => {
      const q = queues[i] as FleetQueueStatus;
      const age = ages[p];
      return [
        p,
        { ...q, ...(age !== undefined && q.visible + q.inFlight > 0 ? { oldestAgeSeconds: age } : {}) },
      ];
    }),
  ) as FleetStatus['queues'];
  const waiting = Object.values(byPriority).reduce((n, q) => n + q.visible + q.inFlight, 0);
  const oldest = Object.values(byPriority).flatMap((q) =>
    q.oldestAgeSeconds === undefined ? [] : [q.oldestAgeSeconds],
  );
  const usdPerHour = hosts.reduce((sum, h) => sum + (h.usdPerHour ?? 0), 0);
  return {
    hosts,
    queues: byPriority,
    waitingJobs: waiting,
    ...(oldest.length ? { oldestWaitingSeconds: Math.max(...oldest) } : {}),
    usdPerHour: Math.round(usdPerHour * 1e5) / 1e5,
    pricesDate: prices.date,
  };
}

async function describeGroup(c: Ctx, name: string): Promise<AutoScalingGroup> {
  let out: unknown;
  try {
    out = await c.autoScaling.send(
      new c.sdk.asg.DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }),
    );
  } catch (e) {
    throw awsError(e, 'DescribeAutoScalingGroups');
  }
  const group = (out as { AutoScalingGroups?: AutoScalingGroup[] }).AutoScalingGroups?.[0];
  if (!group) {
    throw new VodsrError(
      'VODSR_NOT_FOUND',
      `No Auto Scaling group named "${name}" (the stack output FleetGroupName)`,
      {
        details: { autoScalingGroupName: name },
      },
    );
  }
  return group;
}

async function describeInstances(c: Ctx, ids: string[]): Promise<Map<string, Instance>> {
  const found = new Map<string, Instance>();
  // 1,000 ids per request at most; a fleet's group is smaller (maxCapacity ≤ 1,000)
  for (let i = 0; i < ids.length; i += 1000) {
    let token: string | undefined;
    do {
      let out: { Reservations?: { Instances?: Instance[] }[]; NextToken?: string };
      try {
        out = await c.ec2.send(
          new c.sdk.ec2.DescribeInstancesCommand({
            InstanceIds: ids.slice(i, i + 1000),
            ...(token ? { NextToken: token } : {}),
          }),
        );
      } catch (e) {
        throw awsError(e, 'DescribeInstances');
      }
      for (const r of out.Reservations ?? [])
        for (const inst of r.Instances ?? []) if (inst.InstanceId) found.set(inst.InstanceId, inst);
      token = out.NextToken;
    } while (token);
  }
  return found;
}

async function queueDepth(c: Ctx, url: string): Promise<FleetQueueStatus> {
  const attrs = async (queueUrl: string, names: string[]): Promise<Record<string, string>> => {
    try {
      const out = (await c.sqs.send(
        new c.sdk.sqs.GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: names as never }),
      )) as { Attributes?: Record<string, string> };
      return out.Attributes ?? {};
    } catch (e) {
      throw awsError(e, 'GetQueueAttributes');
    }
  };
  const a = await attrs(url, [
    'ApproximateNumberOfMessages',
    'ApproximateNumberOfMessagesNotVisible',
    'RedrivePolicy',
  ]);
  let deadLetters = 0;
  const dlqArn = a.RedrivePolicy
    ? (JSON.parse(a.RedrivePolicy) as { deadLetterTargetArn?: string }).deadLetterTargetArn
    : undefined;
  const dlqUrl = dlqArn ? queueUrlOfArn(dlqArn) : undefined;
  if (dlqUrl)
    deadLetters = Number(
      (await attrs(dlqUrl, ['ApproximateNumberOfMessages'])).ApproximateNumberOfMessages ?? 0,
    );
  return {
    visible: Number(a.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(a.ApproximateNumberOfMessagesNotVisible ?? 0),
    deadLetters,
  };
}

/** The latest `ApproximateAgeOfOldestMessage` (Maximum, 1-minute periods, last 15 minutes) of each queue. */
async function oldestAges(
  c: Ctx,
  urls: Readonly<Record<WorkPriority, string>>,
  now: number,
): Promise<Partial<Record<WorkPriority, number>>> {
  try {
    const out = (await c.cloudWatch.send(
      new c.sdk.cw.GetMetricDataCommand({
        StartTime: new Date(now - 15 * 60_000),
        EndTime: new Date(now),
        ScanBy: 'TimestampDescending',
        MetricDataQueries: WORK_PRIORITIES.map((p) => ({
          Id: p,
          MetricStat: {
            Metric: {
              Namespace: 'AWS/SQS',
              MetricName: 'ApproximateAgeOfOldestMessage',
              Dimensions: [{ Name: 'QueueName', Value: urls[p].split('/').pop() ?? '' }],
            },
            Period: 60,
            Stat: 'Maximum',
          },
        })),
      }),
    )) as { MetricDataResults?: { Id?: string; Values?: number[] }[] };
    const ages: Partial<Record<WorkPriority, number>> = {};
    for (const r of out.MetricDataResults ?? []) {
      const v = r.Values?.[0];
      if (v !== undefined && WORK_PRIORITIES.includes(r.Id as WorkPriority)) ages[r.Id as WorkPriority] = v;
    }
    return ages;
  } catch {
    return {}; // display data: without CloudWatch read access the ages are left out, the rest is still shown
  }
}
