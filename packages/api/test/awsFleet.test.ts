/**
 * `vodsr fleet -b aws` / `GET /v1/fleet` on AWS, against recorded SDK responses (aws-sdk-client-mock: the SDK's
 * own commands): the group's instances, their agents' tags, the queues and their dead-letter queues, CloudWatch's
 * oldest-message age, and $/h from core's price table — in core's FleetStatus shape, the local fleet's.
 */
import {
  AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  type DescribeAutoScalingGroupsCommandOutput,
} from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  DescribeInstancesCommand,
  type DescribeInstancesCommandOutput,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { SFNClient } from '@aws-sdk/client-sfn';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { AwsJobService, buildApp, queueUrlOfArn, readAwsFleetStatus } from '@vodsr/api';
import { DEFAULT_PRICE_TABLE } from '@vodsr/core/cost';
import { agentStateTags, FleetStatusSchema } from '@vodsr/core/workflow';
import { mockClient } from 'aws-sdk-client-mock';
import Value from 'typebox/value';
import { afterEach, describe, expect, it } from 'vitest';

const asg = mockClient(AutoScalingClient);
const ec2 = mockClient(EC2Client);
const sqs = mockClient(SQSClient);
const cw = mockClient(CloudWatchClient);
afterEach(() => {
  for (const m of [asg, ec2, sqs, cw]) m.reset();
});

const ACCOUNT = '123456789012';
const IURL = `https://sqs.eu-west-1.amazonaws.com/${ACCOUNT}/Vodsr-Interactive`;
const BURL = `https://sqs.eu-west-1.amazonaws.com/${ACCOUNT}/Vodsr-Bulk`;
const IDLQ = `https://sqs.eu-west-1.amazonaws.com/${ACCOUNT}/Vodsr-InteractiveDlq`;
const BDLQ = `https://sqs.eu-west-1.amazonaws.com/${ACCOUNT}/Vodsr-BulkDlq`;
const A = 'i-0aaaaaaaaaaaaaaa1';
const B = 'i-0bbbbbbbbbbbbbbb2';
const C = 'i-0ccccccccccccccc3';
const NOW = Date.parse('2026-12-02T01:30:00Z');

/** Tags as the agent's Ec2TagStatusPublisher writes them, plus the group's own. */
function tags(t: Record<string, string>) {
  return [
    { Key: 'aws:autoscaling:groupName', Value: 'Vodsr-vodsr-fleet' },
    { Key: 'Name', Value: 'vodsr-host' },
    ...Object.entries(t).map(([Key, Value]) => ({ Key, Value })),
  ];
}

function recorded(): void {
  const group: DescribeAutoScalingGroupsCommandOutput = {
    $metadata: {},
    AutoScalingGroups: [
      {
        AutoScalingGroupName: 'Vodsr-vodsr-fleet',
        MinSize: 0,
        MaxSize: 4,
        DesiredCapacity: 3,
        DefaultCooldown: 300,
        AvailabilityZones: ['eu-west-1a'],
        HealthCheckType: 'EC2',
        CreatedTime: new Date('2026-11-30T00:00:00Z'),
        Instances: [
          {
            InstanceId: A,
            InstanceType: 'g6e.xlarge',
            AvailabilityZone: 'eu-west-1a',
            LifecycleState: 'InService',
            HealthStatus: 'Healthy',
            ProtectedFromScaleIn: true,
          },
          {
            InstanceId: B,
            InstanceType: 'g6e.xlarge',
            AvailabilityZone: 'eu-west-1a',
            LifecycleState: 'Terminating:Wait',
            HealthStatus: 'Healthy',
            ProtectedFromScaleIn: false,
          },
          {
            InstanceId: C,
            InstanceType: 'g6e.xlarge',
            AvailabilityZone: 'eu-west-1a',
            LifecycleState: 'Pending:Wait',
            HealthStatus: 'Healthy',
            ProtectedFromScaleIn: false,
          },
        ],
      },
    ],
  };
  asg.on(DescribeAutoScalingGroupsCommand).resolves({ $metadata: {}, AutoScalingGroups: [] });
  asg.on(DescribeAutoScalingGroupsCommand, { AutoScalingGroupNames: ['Vodsr-vodsr-fleet'] }).resolves(group);
  const instances: DescribeInstancesCommandOutput = {
    $metadata: {},
    Reservations: [
      {
        Instances: [
          {
            InstanceId: A,
            InstanceType: 'g6e.xlarge',
            Tags: tags(
              agentStateTags({
                state: 'running',
                placed: 12,
                maxRunning: 2,
                reportedAt: '2026-12-02T01:29:50.000Z',
                slots: [
                  { slot: 0, state: 'running', jobId: 'in-bucket_a_mp4_4b1c' },
                  {
                    slot: 1,
                    state: 'reserved',
                    jobId: 'in-bucket_b_mp4_77de',
                    leaseExpiresAt: '2026-12-02T01:34:50.000Z',
                  },
                ],
              }),
            ),
          },
        ],
      },
      {
        Instances: [
          {
            InstanceId: B,
            InstanceType: 'g6e.xlarge',
            InstanceLifecycle: 'spot',
            Tags: tags(
              agentStateTags({
                state: 'lost',
                placed: 3,
                maxRunning: 2,
                reportedAt: '2026-12-02T01:29:00.000Z',
                slots: [
                  { slot: 0, state: 'free' },
                  { slot: 1, state: 'running', jobId: 'in-bucket_c_mp4_0f00' },
                ],
              }),
            ),
          },
          { InstanceId: C, InstanceType: 'g6e.xlarge', Tags: tags({}) },
        ],
      },
    ],
  };
  ec2.on(DescribeInstancesCommand).resolves(instances);
  const redrive = (dlq: string) =>
    JSON.stringify({ deadLetterTargetArn: `arn:aws:sqs:eu-west-1:${ACCOUNT}:${dlq}`, maxReceiveCount: 5 });
  sqs.on(GetQueueAttributesCommand, { QueueUrl: IURL }).resolves({
    Attributes: {
      ApproximateNumberOfMessages: '7',
      ApproximateNumberOfMessagesNotVisible: '1',
      RedrivePolicy: redrive('Vodsr-InteractiveDlq'),
    },
  });
  sqs.on(GetQueueAttributesCommand, { QueueUrl: BURL }).resolves({
    Attributes: {
      ApproximateNumberOfMessages: '0',
      ApproximateNumberOfMessagesNotVisible: '0',
      RedrivePolicy: redrive('Vodsr-BulkDlq'),
    },
  });
  sqs
    .on(GetQueueAttributesCommand, { QueueUrl: IDLQ })
    .resolves({ Attributes: { ApproximateNumberOfMessages: '2' } });
  sqs
    .on(GetQueueAttributesCommand, { QueueUrl: BDLQ })
    .resolves({ Attributes: { ApproximateNumberOfMessages: '0' } });
  cw.on(GetMetricDataCommand).resolves({
    MetricDataResults: [
      {
        Id: 'interactive',
        Label: 'ApproximateAgeOfOldestMessage',
        Timestamps: [new Date(NOW - 60_000), new Date(NOW - 120_000)],
        Values: [184, 124],
        StatusCode: 'Complete',
      },
      {
        Id: 'bulk',
        Label: 'ApproximateAgeOfOldestMessage',
        Timestamps: [new Date(NOW - 60_000)],
        Values: [0],
        StatusCode: 'Complete',
      },
    ],
  });
}

const options = {
  autoScalingGroupName: 'Vodsr-vodsr-fleet',
  queueUrls: { interactive: IURL, bulk: BURL },
  now: () => NOW,
  clients: {
    autoScaling: new AutoScalingClient({ region: 'eu-west-1' }),
    ec2: new EC2Client({ region: 'eu-west-1' }),
    sqs: new SQSClient({ region: 'eu-west-1' }),
    cloudWatch: new CloudWatchClient({ region: 'eu-west-1' }),
  },
};

describe('readAwsFleetStatus (recorded SDK responses)', () => {
  it('reads hosts, slots, queues, the oldest age and $/h into core’s FleetStatus', async () => {
    recorded();
    const status = await readAwsFleetStatus(options);
    expect(Value.Check(FleetStatusSchema, status)).toBe(true);
    const od = DEFAULT_PRICE_TABLE.instances['g6e.xlarge']?.onDemandHourly as number;
    const spot = DEFAULT_PRICE_TABLE.instances['g6e.xlarge']?.spotHourly as number;
    expect(status.hosts).toEqual([
      {
        instanceId: A,
        state: 'running',
        protectedFromScaleIn: true,
        slots: [
          { slot: 0, state: 'running', jobId: 'in-bucket_a_mp4_4b1c' },
          {
            slot: 1,
            state: 'reserved',
            jobId: 'in-bucket_b_mp4_77de',
            leaseExpiresAt: '2026-12-02T01:34:50.000Z',
          },
        ],
        running: 1,
        maxRunning: 2,
        placed: 12,
        instanceType: 'g6e.xlarge',
        lifecycleState: 'InService',
        market: 'on-demand',
        usdPerHour: od,
        reportedAt: '2026-12-02T01:29:50.000Z',
      },
      {
        instanceId: B,
        state: 'lost',
        protectedFromScaleIn: false,
        slots: [
          { slot: 0, state: 'free' },
          { slot: 1, state: 'running', jobId: 'in-bucket_c_mp4_0f00' },
        ],
        running: 1,
        maxRunning: 2,
        placed: 3,
        instanceType: 'g6e.xlarge',
        lifecycleState: 'Terminating:Wait',
        market: 'spot',
        usdPerHour: spot,
        reportedAt: '2026-12-02T01:29:00.000Z',
      },
      {
        // booting: its agent has not published yet
        instanceId: C,
        state: 'starting',
        protectedFromScaleIn: false,
        slots: [],
        running: 0,
        maxRunning: 0,
        placed: 0,
        instanceType: 'g6e.xlarge',
        lifecycleState: 'Pending:Wait',
        market: 'on-demand',
        usdPerHour: od,
      },
    ]);
    expect(status.queues).toEqual({
      interactive: { visible: 7, inFlight: 1, deadLetters: 2, oldestAgeSeconds: 184 },
      bulk: { visible: 0, inFlight: 0, deadLetters: 0 },
    });
    expect(status.waitingJobs).toBe(8);
    expect(status.oldestWaitingSeconds).toBe(184);
    expect(status.usdPerHour).toBeCloseTo(2 * od + spot, 5);
    expect(status.pricesDate).toBe(DEFAULT_PRICE_TABLE.date);

    // what it asked: its group only, those instances, each queue and its DLQ, the metric per queue name
    expect(asg.commandCalls(DescribeAutoScalingGroupsCommand)[0]?.args[0].input).toEqual({
      AutoScalingGroupNames: ['Vodsr-vodsr-fleet'],
    });
    expect(ec2.commandCalls(DescribeInstancesCommand)[0]?.args[0].input).toEqual({ InstanceIds: [A, B, C] });
    expect(
      sqs
        .commandCalls(GetQueueAttributesCommand)
        .map((c) => c.args[0].input.QueueUrl)
        .sort(),
    ).toEqual([BDLQ, BURL, IDLQ, IURL].sort());
    const q = cw.commandCalls(GetMetricDataCommand)[0]?.args[0].input;
    expect(q?.MetricDataQueries?.map((m) => m.MetricStat?.Metric?.Dimensions)).toEqual([
      [{ Name: 'QueueName', Value: 'Vodsr-Interactive' }],
      [{ Name: 'QueueName', Value: 'Vodsr-Bulk' }],
    ]);
    expect(q?.MetricDataQueries?.[0]?.MetricStat).toMatchObject({ Period: 60, Stat: 'Maximum' });
    expect(q?.EndTime).toEqual(new Date(NOW));
  });

  it('still answers without CloudWatch access (no ages), and names a missing group (VODSR_NOT_FOUND)', async () => {
    recorded();
    cw.on(GetMetricDataCommand).rejects(Object.assign(new Error('not authorized'), { name: 'AccessDenied' }));
    const status = await readAwsFleetStatus(options);
    expect(status.queues.interactive).toEqual({ visible: 7, inFlight: 1, deadLetters: 2 });
    expect(status.oldestWaitingSeconds).toBeUndefined();
    await expect(readAwsFleetStatus({ ...options, autoScalingGroupName: 'nope' })).rejects.toMatchObject({
      code: 'VODSR_NOT_FOUND',
      message: expect.stringContaining('"nope"'),
    });
    sqs.on(GetQueueAttributesCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDenied' }));
    await expect(readAwsFleetStatus(options)).rejects.toMatchObject({
      code: 'VODSR_AWS_ERROR',
      details: { awsError: 'AccessDenied' },
    });
  });

  it('an empty group (scaled to zero) costs $0/h and lists no hosts, without a DescribeInstances call', async () => {
    recorded();
    asg.on(DescribeAutoScalingGroupsCommand, { AutoScalingGroupNames: ['Vodsr-vodsr-fleet'] }).resolves({
      AutoScalingGroups: [
        {
          AutoScalingGroupName: 'Vodsr-vodsr-fleet',
          MinSize: 0,
          MaxSize: 4,
          DesiredCapacity: 0,
          DefaultCooldown: 300,
          AvailabilityZones: ['eu-west-1a'],
          HealthCheckType: 'EC2',
          CreatedTime: new Date(),
          Instances: [],
        },
      ],
    });
    const status = await readAwsFleetStatus(options);
    expect(status).toMatchObject({ hosts: [], usdPerHour: 0, waitingJobs: 8 });
    expect(ec2.commandCalls(DescribeInstancesCommand)).toHaveLength(0);
  });

  it('derives a queue URL from its ARN', () => {
    expect(queueUrlOfArn(`arn:aws:sqs:eu-west-1:${ACCOUNT}:Vodsr-BulkDlq`)).toBe(BDLQ);
    expect(queueUrlOfArn('arn:aws:sns:eu-west-1:1:x')).toBeUndefined();
  });
});

describe('GET /v1/fleet on the AWS backend', () => {
  it('serves the same shape as the local fleet; 404 when no fleet is configured', async () => {
    recorded();
    const SM = `arn:aws:states:eu-west-1:${ACCOUNT}:stateMachine:vodsr`;
    const service = new AwsJobService({
      stateMachineArn: SM,
      outputRoot: 's3://out-bucket/sr/',
      client: new SFNClient({ region: 'eu-west-1' }),
      fleet: options,
    });
    const app = await buildApp({ service, auth: { tokens: ['t-0123456789abcdef'] } });
    const plain = await buildApp({
      service: new AwsJobService({ stateMachineArn: SM, outputRoot: 's3://out-bucket/sr/' }),
      auth: { tokens: ['t-0123456789abcdef'] },
    });
    try {
      const res = await app.inject({
        method: 'GET',
        url: '/v1/fleet',
        headers: { authorization: 'Bearer t-0123456789abcdef' },
      });
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(Value.Check(FleetStatusSchema, body)).toBe(true);
      expect(body).toEqual(JSON.parse(JSON.stringify(await readAwsFleetStatus(options))));
      const none = await plain.inject({
        method: 'GET',
        url: '/v1/fleet',
        headers: { authorization: 'Bearer t-0123456789abcdef' },
      });
      expect(none.statusCode).toBe(404);
    } finally {
      await app.close();
      await plain.close();
    }
  });
});
