import { VodsrFleet, type VodsrFleetProps, VodsrWorkQueues } from '@vodsr/infra-cdk';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';

const AMI = 'ami-0123456789abcdef0';

function synth(props: Partial<VodsrFleetProps> = {}): { stack: Stack; fleet: VodsrFleet; t: Template } {
  const app = new App({ builtinCloudFormationValidation: false });
  const stack = new Stack(app, 'S', { env: { region: 'eu-west-1' } });
  const queues = new VodsrWorkQueues(stack, 'Queues');
  const fleet = new VodsrFleet(stack, 'Fleet', {
    amiId: AMI,
    queues,
    inputBucket: Bucket.fromBucketName(stack, 'In', 'in-bucket'),
    outputBucket: Bucket.fromBucketName(stack, 'Out', 'out-bucket'),
    ...props,
  });
  return { stack, fleet, t: Template.fromStack(stack) };
}

function userData(t: Template): string {
  const lt = Object.values(t.findResources('AWS::EC2::LaunchTemplate'))[0] as {
    Properties: { LaunchTemplateData: { UserData: { 'Fn::Base64': unknown } } };
  };
  const render = (node: unknown): string => {
    if (typeof node === 'string') return node;
    const o = node as { 'Fn::Join'?: [string, unknown[]] };
    return o['Fn::Join'] ? o['Fn::Join'][1].map(render).join(o['Fn::Join'][0]) : '<ref>';
  };
  return render(lt.Properties.LaunchTemplateData.UserData['Fn::Base64']);
}

function steps(t: Template, type: string): unknown {
  const p = Object.values(t.findResources('AWS::AutoScaling::ScalingPolicy')).find(
    (r) => (r as { Properties: { AdjustmentType: string } }).Properties.AdjustmentType === type,
  ) as { Properties: { StepAdjustments: unknown } } | undefined;
  return p?.Properties.StepAdjustments;
}

describe('VodsrFleet', () => {
  it('runs Spot hosts of several types, capacity-optimized, with Capacity Rebalancing, cdk-nag clean', () => {
    const { stack, t } = synth({
      spot: true,
      onDemandBaseCapacity: 1,
      instanceTypes: ['g6e.xlarge', 'g6e.2xlarge', 'g6e.4xlarge'],
    });
    t.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', {
      CapacityRebalance: true,
      MixedInstancesPolicy: {
        InstancesDistribution: {
          OnDemandBaseCapacity: 1,
          OnDemandPercentageAboveBaseCapacity: 0,
          SpotAllocationStrategy: 'capacity-optimized',
        },
        LaunchTemplate: Match.objectLike({
          Overrides: [
            { InstanceType: 'g6e.xlarge' },
            { InstanceType: 'g6e.2xlarge' },
            { InstanceType: 'g6e.4xlarge' },
          ],
        }),
      },
    });
    // The type comes from the overrides, not from the launch template.
    t.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: Match.objectLike({ InstanceType: Match.absent() }),
    });
    const report = new AwsSolutionsChecks().validateScope(stack);
    expect(report.violations.map((v) => v.ruleName)).toEqual([]);
  });

  it("lets the agent tag only its group's instances with vodsr:agent:* keys and heartbeat its drain hook in time", () => {
    const { stack, fleet, t } = synth({ drainTimeoutMinutes: 20, groupName: 'gpu-fleet' });
    const statements = Object.values(t.findResources('AWS::IAM::Policy')).flatMap(
      (r) =>
        (r as { Properties: { PolicyDocument: { Statement: Array<Record<string, unknown>> } } }).Properties
          .PolicyDocument.Statement,
    );
    const tagging = statements.filter((s) => [s.Action].flat().some((a) => String(a).startsWith('ec2:')));
    expect(tagging).toEqual([
      {
        Sid: 'PublishOwnState',
        Effect: 'Allow',
        Action: 'ec2:CreateTags',
        Resource: {
          'Fn::Join': [
            '',
            ['arn:', { Ref: 'AWS::Partition' }, ':ec2:eu-west-1:', { Ref: 'AWS::AccountId' }, ':instance/*'],
          ],
        },
        Condition: {
          StringEquals: { 'aws:ResourceTag/aws:autoscaling:groupName': 'gpu-fleet' },
          'ForAllValues:StringLike': { 'aws:TagKeys': ['vodsr:agent:*'] },
          Null: { 'aws:TagKeys': 'false' },
        },
      },
    ]);
    expect(statements.find((s) => s.Sid === 'OwnGroupLifecycle')).toMatchObject({
      Action: expect.arrayContaining(['autoscaling:RecordLifecycleActionHeartbeat']),
      Resource: {
        'Fn::Join': [
          '',
          [
            'arn:',
            { Ref: 'AWS::Partition' },
            ':autoscaling:eu-west-1:',
            { Ref: 'AWS::AccountId' },
            ':autoScalingGroup:*:autoScalingGroupName/gpu-fleet',
          ],
        ],
      },
    });
    // the hook times out after 20 min without a heartbeat; the agent records one every 5 min
    t.hasResourceProperties('AWS::AutoScaling::LifecycleHook', {
      LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING',
      HeartbeatTimeout: 1200,
    });
    expect(fleet.agentConfig.lifecycleHeartbeatSeconds).toBe(300);
    expect(userData(t)).toContain('"lifecycleHeartbeatSeconds":300');
    const report = new AwsSolutionsChecks().validateScope(stack);
    expect(report.violations.map((v) => v.ruleName)).toEqual([]);
  });

  it('keeps a warm pool of stopped, installed hosts when asked', () => {
    const { t } = synth({ warmPool: { minSize: 2 }, maxCapacity: 6 });
    t.hasResourceProperties('AWS::AutoScaling::WarmPool', {
      MinSize: 2,
      MaxGroupPreparedCapacity: 6,
      PoolState: 'Stopped',
      InstanceReusePolicy: { ReuseOnScaleIn: true },
    });
    // Out of the warm pool user data does not run again: a boot unit completes the launch hook each boot.
    const text = userData(t);
    expect(text).toContain('systemctl enable vodsr-launch-ready.service');
    expect(text).toContain('WantedBy=multi-user.target');
  });

  it('adds ceil(backlog / slotsPerHost) hosts and writes the slots into the agent config', () => {
    const { t, fleet } = synth({ slotsPerHost: 2, maxCapacity: 3, idleMinutes: 5 });
    expect(steps(t, 'ChangeInCapacity')).toEqual([
      { MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 2, ScalingAdjustment: 1 },
      { MetricIntervalLowerBound: 2, MetricIntervalUpperBound: 4, ScalingAdjustment: 2 },
      { MetricIntervalLowerBound: 4, ScalingAdjustment: 3 },
    ]);
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      ComparisonOperator: 'LessThanOrEqualToThreshold',
      EvaluationPeriods: 5,
    });
    expect(fleet.agentConfig.slots).toBe(2);
    expect(userData(t)).toContain('"slots":2');
  });

  it("is the seed's single host at min = max = 1: no scaling policy, the stack waits for its install signal", () => {
    const { stack, t, fleet } = synth({ minCapacity: 1, maxCapacity: 1 });
    t.resourceCountIs('AWS::AutoScaling::ScalingPolicy', 0);
    t.resourceCountIs('AWS::CloudWatch::Alarm', 2); // the two dead-letter alarms only
    const groupId = stack.getLogicalId(fleet.autoScalingGroup.node.defaultChild as never);
    t.hasResource('AWS::AutoScaling::AutoScalingGroup', {
      Properties: Match.objectLike({ MinSize: '1', MaxSize: '1' }),
      CreationPolicy: { ResourceSignal: { Count: 1, Timeout: 'PT30M' } },
    });
    expect(userData(t)).toContain(`--logical-resource-id '${groupId}' --unique-id "$iid" --status "$1"`);
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Sid: 'SignalInstall', Action: 'cloudformation:SignalResource' }),
        ]),
      },
    });
  });

  it('has no install signal and no CreationPolicy at min 0 (no host starts with the stack)', () => {
    const { t } = synth();
    const asg = Object.values(t.findResources('AWS::AutoScaling::AutoScalingGroup'))[0] as {
      CreationPolicy?: unknown;
    };
    expect(asg.CreationPolicy).toBeUndefined();
    expect(userData(t)).not.toContain('signal-resource');
  });

  it('refuses impossible combinations, naming each problem', () => {
    let err: unknown;
    try {
      synth({
        instanceTypes: ['g6e.xlarge', 'g6e.12xlarge'],
        warmPool: {},
        minCapacity: 5,
        maxCapacity: 2,
        slotsPerHost: 0,
        onDemandBaseCapacity: 1,
      });
    } catch (e) {
      err = e;
    }
    expect((err as { code: string }).code).toBe('VODSR_VALIDATION');
    expect((err as { issues: { path: string }[] }).issues.map((i) => i.path)).toEqual([
      '/instanceTypes',
      '/minCapacity',
      '/slotsPerHost',
      '/onDemandBaseCapacity',
      '/warmPool',
    ]);
    expect(() => synth({ warmPool: {}, spot: true })).toThrow(
      /warmPool: needs one instance type and no Spot/,
    );
  });
});
