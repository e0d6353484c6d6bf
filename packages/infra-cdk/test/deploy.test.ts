import { createVodsrApp } from '@vodsr/infra-cdk';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';

const AMI = 'ami-0123456789abcdef0';

function synth(context: Record<string, unknown>) {
  const { app, stack } = createVodsrApp({
    context: { amiId: AMI, region: 'eu-west-1', ...context },
    nag: false,
  });
  return { app, stack, template: Template.fromStack(stack) };
}

function documentLines(t: Template): string[] {
  const docs = Object.values(t.findResources('AWS::SSM::Document')) as {
    Properties: { Content: { mainSteps: { inputs: { runCommand: unknown[] } }[] } };
  }[];
  return (docs[0]?.Properties.Content.mainSteps[0]?.inputs.runCommand ?? []).filter(
    (l): l is string => typeof l === 'string',
  );
}

function userData(t: Template): string {
  const [lt] = Object.values(t.findResources('AWS::EC2::LaunchTemplate')) as {
    Properties: { LaunchTemplateData: { UserData: { 'Fn::Base64': { 'Fn::Join': [string, unknown[]] } } } };
  }[];
  return (lt?.Properties.LaunchTemplateData.UserData['Fn::Base64']['Fn::Join'][1] ?? [])
    .map((p) => (typeof p === 'string' ? p : JSON.stringify(p)))
    .join('');
}

describe('heartbeat (issue 14 item 1)', () => {
  it('refuses heartbeatSeconds=30 and says why the floor is 60', () => {
    expect(() => synth({ heartbeatSeconds: 30 })).toThrow(
      /heartbeatSeconds: must be at least 60: the host heartbeats every quarter of it/,
    );
  });

  it.each([
    [60, '15'],
    [undefined, '75'],
    [1200, '300'],
  ])('heartbeatSeconds=%s → the document makes the host heartbeat every %s s', (hb, every) => {
    const { template } = synth(hb === undefined ? {} : { heartbeatSeconds: hb });
    expect(documentLines(template)).toContain(`export VODSR_HEARTBEAT_SECONDS='${every}'`);
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      DefinitionString: Match.objectLike({
        'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp(`"HeartbeatSeconds":${hb ?? 300},`)])],
      }),
    });
  });
});

describe('late commands (issue 14 item 4)', () => {
  it('delivers within half the heartbeat, and a command whose task closed exits before the runner starts', () => {
    const { template } = synth({});
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      DefinitionString: Match.objectLike({
        'Fn::Join': [
          '',
          Match.arrayWith([Match.stringLikeRegexp('"TimeoutSeconds":150,"Comment":"vodsr host job"')]),
        ],
      }),
    });
    const lines = documentLines(template);
    const guard = lines.findIndex((l) => l.includes('send-task-heartbeat'));
    const exec = lines.findIndex((l) => l.startsWith('exec '));
    expect(guard).toBeGreaterThan(-1);
    expect(guard).toBeLessThan(exec);
    expect(lines.slice(guard, exec).join('\n')).toMatch(
      /TaskTimedOut\*\|\*TaskDoesNotExist\*\|\*InvalidToken\*\)[\s\S]*exit 0/,
    );
  });
});

describe('first boot (issue 14 items 5, 6, 8)', () => {
  it('reports a failed install per host (launch hook ABANDON) and, at minHosts >= 1, to the stack; signals only its own stack', () => {
    const { stack, template } = synth({ minHosts: '1', maxHosts: '1' });
    const [groupId, group] = Object.entries(
      template.findResources('AWS::AutoScaling::AutoScalingGroup'),
    )[0] as [string, { CreationPolicy?: unknown }];
    expect(group.CreationPolicy).toEqual({ ResourceSignal: { Count: 1, Timeout: 'PT30M' } });
    const ud = userData(template);
    expect(ud).toContain(
      `--stack-name '${stack.stackName}' --logical-resource-id '${groupId}' --unique-id "$iid" --status "$1"`,
    );
    expect(ud).toMatch(/launched SUCCESS CONTINUE\s*$/);
    expect(ud).toContain('if [ "$rc" -ne 0 ]; then launched FAILURE ABANDON; fi');
    expect(ud).toContain('apt-get -o DPkg::Lock::Timeout=600 update');
    expect(ud).toContain("--region 'eu-west-1' --apt-lock-timeout 600");
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (r) =>
        (r as { Properties: { PolicyDocument: { Statement: { Sid?: string }[] } } }).Properties.PolicyDocument
          .Statement,
    );
    expect(statements.filter((x) => x.Sid === 'SignalInstall')).toEqual([
      {
        Sid: 'SignalInstall',
        Effect: 'Allow',
        Action: 'cloudformation:SignalResource',
        Resource: { Ref: 'AWS::StackId' },
      },
    ]);
  });

  it('takes the root device name from context (an AMI with /dev/xvda gets a 200 GiB root, not a second volume)', () => {
    const { template } = synth({ rootDeviceName: '/dev/xvda' });
    template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: Match.objectLike({
        BlockDeviceMappings: [
          Match.objectLike({ DeviceName: '/dev/xvda', Ebs: Match.objectLike({ VolumeSize: 200 }) }),
        ],
      }),
    });
    expect(() => synth({ rootDeviceName: 'sda1' })).toThrow(/rootDeviceName/);
  });
});

describe('IAM as AWS documents it (issue 14 items 9, 11)', () => {
  it('grants mediaconvert:CreateJob and TagResource on "*", as the Step Functions MediaConvert doc requires', () => {
    const { template } = synth({});
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'CreateMediaConvertJob',
            Action: ['mediaconvert:CreateJob', 'mediaconvert:TagResource'],
            Resource: '*',
          }),
        ]),
      },
    });
  });

  it('lets only MediaConvert of this account assume the MediaConvert role, and only our rule publish to the topic', () => {
    const { template, stack } = synth({});
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Principal: { Service: 'mediaconvert.amazonaws.com' },
            Condition: {
              StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
              ArnLike: { 'aws:SourceArn': Match.anyValue() },
            },
          }),
        ],
      },
    });
    const ruleId = stack.getLogicalId(stack.pipeline.notifications.rule.node.defaultChild as never);
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'PublishFromJobEventsRule',
            Principal: { Service: 'events.amazonaws.com' },
            Action: 'sns:Publish',
            Condition: {
              StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
              ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [ruleId, 'Arn'] } },
            },
          }),
        ]),
      },
    });
    // No unconditioned publish grant for EventBridge is left.
    const policies = Object.values(template.findResources('AWS::SNS::TopicPolicy')) as {
      Properties: { PolicyDocument: { Statement: { Principal?: unknown; Condition?: unknown }[] } };
    }[];
    for (const p of policies)
      for (const s of p.Properties.PolicyDocument.Statement)
        if (JSON.stringify(s.Principal ?? '').includes('events.amazonaws.com'))
          expect(s.Condition).toBeDefined();
  });

  it('keeps ssm:ListCommands (which shows task tokens) on the dead-host Lambda only', () => {
    const { template } = synth({});
    const holders = Object.entries(template.findResources('AWS::IAM::Policy')).filter(([, r]) =>
      JSON.stringify(r).includes('ssm:ListCommands'),
    );
    expect(holders.map(([id]) => id)).toEqual([expect.stringMatching(/CommandStatus/)]);
  });
});

describe('offline synth (issue 14 item 13)', () => {
  it('synthesizes with an explicit account and AZs: no lookup, no credentials, cdk-nag clean', () => {
    const { app, stack } = createVodsrApp({
      context: {
        amiId: AMI,
        region: 'ap-northeast-2',
        account: '111111111111',
        availabilityZones: 'ap-northeast-2b,ap-northeast-2c',
      },
      env: {},
    });
    const assembly = app.synth();
    expect(assembly.manifest.missing ?? []).toEqual([]);
    expect(stack.account).toBe('111111111111');
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::EC2::Subnet', 2);
    t.hasResourceProperties('AWS::EC2::Subnet', { AvailabilityZone: 'ap-northeast-2b' });
    expect(new AwsSolutionsChecks().validateScope(stack).violations).toEqual([]);
  });

  it('refuses an explicit account without AZs (synth would have to look them up)', () => {
    expect(() =>
      createVodsrApp({ context: { amiId: AMI, region: 'eu-west-1', account: '111111111111' }, nag: false }),
    ).toThrow(/availabilityZones: is required with an explicit account/);
  });
});
