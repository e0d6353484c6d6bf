import {
  buildWorkflowDefinition,
  decodeHostJob,
  parseJobSpec,
  prepareJob,
  ValidationError,
} from '@vodsr/core';
import {
  HOST_DOCUMENT_PARAMETER_PATTERN,
  MIN_HEARTBEAT_SECONDS,
  WORKFLOW_DETAIL_TYPES,
  WORKFLOW_STATES,
} from '@vodsr/core/workflow';
import { describe, expect, it } from 'vitest';

type State = Record<string, unknown> & {
  Type: string;
  Next?: string;
  Default?: string;
  End?: boolean;
  Catch?: { ErrorEquals: string[]; Next: string; ResultPath?: string }[];
  Choices?: { Next: string }[];
};

function statesOf(def: Record<string, unknown>): Record<string, State> {
  return def.States as Record<string, State>;
}

function successors(s: State): string[] {
  return [
    ...(s.Next ? [s.Next] : []),
    ...(s.Default ? [s.Default] : []),
    ...(s.Choices ?? []).map((c) => c.Next),
    ...(s.Catch ?? []).map((c) => c.Next),
  ];
}

describe('prepareJob', () => {
  it('derives the SR file, HLS folder, host job and timeout from the job', () => {
    const job = parseJobSpec({ source: 's3://in-bucket/movies/apink_10s.mp4', model: 'B' });
    const input = prepareJob(job, {
      jobId: 'job-1',
      outputRoot: 's3://out-bucket/results/',
      instanceId: 'i-0123456789abcdef0',
      durationSeconds: 600,
    });
    expect(input.srFile).toBe('s3://out-bucket/results/apink_10s_sr_2x.mp4');
    expect(input.hlsDestination).toBe('s3://out-bucket/results/hls/apink_10s_sr_2x.mp4/');
    expect(input.executionTimeout).toBe('3600');
    expect(input.packagingPreset).toBe('hls-single');
    expect(input.instanceId).toBe('i-0123456789abcdef0');
    const host = decodeHostJob(input.hostJobB64);
    expect(host).toMatchObject({
      jobId: 'job-1',
      source: 's3://in-bucket/movies/apink_10s.mp4',
      output: input.srFile,
      vf: 'bdsr_coupang_aws',
    });
  });

  it('carries hostile keys as base64 data only and grows the timeout with the duration', () => {
    const key = 'a b;$(rm -rf ~)\'"\n비디오.mp4';
    const job = parseJobSpec({ source: `s3://in-bucket/${key}`, packaging: { preset: 'none' } });
    const input = prepareJob(job, {
      jobId: 'j',
      outputRoot: 's3://out-bucket/',
      durationSeconds: 36_000,
    });
    expect(input.hostJobB64).toMatch(new RegExp(HOST_DOCUMENT_PARAMETER_PATTERN));
    expect(decodeHostJob(input.hostJobB64).source).toBe(`s3://in-bucket/${key}`);
    expect(input.executionTimeout).toBe(String(36_000 * 4 + 900));
    expect(input.instanceId).toBe('local');
    expect(input.packagingPreset).toBe('none');
    expect(input.hlsDestination).toMatch(/^s3:\/\/out-bucket\/hls\/[A-Za-z0-9._-]+\/$/);
  });

  it("prefers the job's own output and works with local folders", () => {
    const job = parseJobSpec({ source: '/videos/in.mp4', output: '/tmp/vodsr-out' });
    const input = prepareJob(job, { jobId: 'j', outputRoot: 's3://ignored/' });
    expect(input.srFile).toBe('/tmp/vodsr-out/in_sr_2x.mp4');
    expect(input.hlsDestination).toBe('/tmp/vodsr-out/hls/in_sr_2x.mp4/');
  });

  it('reports every bad option at once', () => {
    const job = parseJobSpec({ source: 's3://in-bucket/a.mp4' });
    let err: unknown;
    try {
      prepareJob(job, { jobId: '', outputRoot: '', instanceId: 'i-$(x)' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).issues.map((i) => i.path)).toEqual([
      '/jobId',
      '/outputRoot',
      '/instanceId',
    ]);
  });
});

describe('buildWorkflowDefinition', () => {
  const def = buildWorkflowDefinition();
  const states = statesOf(def);

  it('is plain JSON data that starts by queueing the job for a host and has no Wait/poll loop', () => {
    expect(JSON.parse(JSON.stringify(def))).toEqual(def);
    expect(def.StartAt).toBe(WORKFLOW_STATES.queueJob);
    expect(Object.values(states).filter((s) => s.Type === 'Wait')).toEqual([]);
    expect(JSON.stringify(def)).not.toContain('getCommandInvocation');
    // JSONPath only, for the local engine; priced (infra-cdk), NotifySuccess is the one JSONata state
    expect(JSON.stringify(def)).not.toContain('QueryLanguage');
    const priced = statesOf(buildWorkflowDefinition({ pricing: {} }));
    expect(
      Object.entries(priced)
        .filter(([, s]) => (s as { QueryLanguage?: string }).QueryLanguage !== undefined)
        .map(([n, s]) => [n, (s as { QueryLanguage?: string }).QueryLanguage]),
    ).toEqual([[WORKFLOW_STATES.notifySuccess, 'JSONata']]);
    // the same states otherwise
    expect(Object.keys(priced)).toEqual(Object.keys(states));
    for (const n of Object.keys(states))
      if (n !== WORKFLOW_STATES.notifySuccess) expect(priced[n], n).toEqual(states[n]);
  });

  it('has only valid transitions and every state is reachable', () => {
    const names = new Set(Object.keys(states));
    const seen = new Set<string>();
    const todo = [def.StartAt as string];
    while (todo.length) {
      const n = todo.pop() as string;
      if (seen.has(n)) continue;
      seen.add(n);
      const s = states[n];
      expect(s, `state ${n}`).toBeDefined();
      for (const next of successors(s as State)) {
        expect(names.has(next), `${n} → ${next}`).toBe(true);
        todo.push(next);
      }
    }
    expect([...seen].sort()).toEqual([...names].sort());
    for (const v of Object.values(WORKFLOW_STATES)) expect(names.has(v), v).toBe(true);
  });

  it('catches every task failure into $.error and ends it in the JobFailed Fail state', () => {
    for (const [name, s] of Object.entries(states)) {
      if (s.Type !== 'Task' || name === WORKFLOW_STATES.notifyFailure) continue;
      const all = s.Catch?.find((c) => c.ErrorEquals.includes('States.ALL'));
      expect(all, `${name} has a catch-all`).toBeDefined();
      // A finished job whose success event is lost stays succeeded (see the putEvents test below).
      if (name === WORKFLOW_STATES.notifySuccess) continue;
      // Follow failure paths: they must all reach JobFailed through NotifyFailure.
      let cur = all?.Next as string;
      const path = [cur];
      while (states[cur]?.Type !== 'Fail' && path.length < 20) {
        cur = states[cur]?.Next as string;
        path.push(cur);
      }
      expect(cur, name).toBe(WORKFLOW_STATES.failed);
      expect(path, name).toContain(WORKFLOW_STATES.notifyFailure);
    }
    expect(states[WORKFLOW_STATES.notifyFailure]?.Catch).toEqual([
      { ErrorEquals: ['States.ALL'], ResultPath: '$.notifyError', Next: WORKFLOW_STATES.failed },
    ]);
    expect(states[WORKFLOW_STATES.failed]).toEqual({
      Type: 'Fail',
      ErrorPath: '$.error.Error',
      CausePath: '$.error.Cause',
    });
  });

  it('starts the host with a task token, passing the job and token as base64 data', () => {
    const run = states[WORKFLOW_STATES.runHost] as State & { Parameters: Record<string, unknown> };
    expect(run.Resource).toBe('arn:aws:states:::aws-sdk:ssm:sendCommand.waitForTaskToken');
    expect(run.HeartbeatSeconds).toBe(300);
    expect(run.ResultPath).toBe('$.host');
    expect(run.Parameters).toMatchObject({
      DocumentName: 'vodsr-RunHostJob',
      'InstanceIds.$': 'States.Array($.placement.instanceId)',
      Parameters: {
        'jobB64.$': 'States.Array($.hostJobB64)',
        'taskTokenB64.$': 'States.Array(States.Base64Encode($$.Task.Token))',
        'executionTimeout.$': 'States.Array($.executionTimeout)',
        'slot.$': 'States.Array(States.JsonToString($.placement.slot))',
        'lease.$': 'States.Array($.placement.lease)',
      },
    });
    expect(JSON.stringify(run.Parameters)).not.toContain('States.Format');
  });

  it('waits for a host on the work queue of its priority, re-queueing before SQS drops the message', () => {
    const d = statesOf(
      buildWorkflowDefinition({
        interactiveQueueUrl: 'https://sqs.eu-west-1.amazonaws.com/111111111111/vodsr-interactive',
        bulkQueueUrl: 'https://sqs.eu-west-1.amazonaws.com/111111111111/vodsr-bulk',
      }),
    );
    expect(d[WORKFLOW_STATES.queueJob]).toMatchObject({
      Type: 'Choice',
      Choices: [{ Variable: '$.priority', StringEquals: 'bulk', Next: WORKFLOW_STATES.acquireBulkHost }],
      Default: WORKFLOW_STATES.acquireHost,
    });
    for (const [name, q] of [
      [WORKFLOW_STATES.acquireHost, 'interactive'],
      [WORKFLOW_STATES.acquireBulkHost, 'bulk'],
    ] as const) {
      expect(d[name]).toMatchObject({
        Resource: 'arn:aws:states:::sqs:sendMessage.waitForTaskToken',
        Parameters: {
          QueueUrl: `https://sqs.eu-west-1.amazonaws.com/111111111111/vodsr-${q}`,
          MessageBody: { v: 1, 'jobId.$': '$.jobId', 'taskToken.$': '$$.Task.Token', priority: q },
        },
        TimeoutSeconds: 13 * 86_400,
        ResultPath: '$.placement',
        Next: WORKFLOW_STATES.runHost,
      });
      expect((d[name] as State).Catch?.[0]).toMatchObject({
        ErrorEquals: ['States.Timeout'],
        Next: WORKFLOW_STATES.queueJob,
      });
    }
    expect(() => buildWorkflowDefinition({ requeueSeconds: 14 * 86_400 })).toThrow(/requeueSeconds/);
  });

  it('sends a job whose host was lost back to the queue, a bounded number of times', () => {
    const run = states[WORKFLOW_STATES.runHost] as State;
    expect(run.Catch?.[0]).toMatchObject({
      ErrorEquals: ['States.HeartbeatTimeout'],
      Next: WORKFLOW_STATES.hostHeartbeatTimeout,
    });
    // a silent host counts its attempt in one state, as HostLost does the others: every loss costs 5 transitions
    expect(states[WORKFLOW_STATES.hostHeartbeatTimeout]).toMatchObject({
      ResultPath: '$.attempt',
      Next: WORKFLOW_STATES.canRetryHost,
    });
    expect(run.Catch?.[1]).toMatchObject({
      ErrorEquals: ['VODSR_SSM_UNDELIVERABLE', 'VODSR_HOST_LOST'],
      Next: WORKFLOW_STATES.hostLost,
    });
    expect(states[WORKFLOW_STATES.canRetryHost]).toMatchObject({
      Choices: [{ Variable: '$.attempt.number', NumericLessThanEquals: 3, Next: WORKFLOW_STATES.queueJob }],
      Default: WORKFLOW_STATES.hostLostFailed,
    });
  });

  it('plans packaging from the probed SR file and packages with createJob.sync', () => {
    const d = statesOf(
      buildWorkflowDefinition({
        mediaConvertRoleArn: 'arn:aws:iam::111111111111:role/mc',
        planPackagingFunctionArn: 'arn:aws:lambda:eu-west-1:111111111111:function:plan',
        heartbeatSeconds: 120,
        documentName: 'MyDoc',
        cloudWatchLogGroupName: '/vodsr/host',
      }),
    );
    expect(d[WORKFLOW_STATES.runHost]).toMatchObject({
      HeartbeatSeconds: 120,
      Parameters: {
        DocumentName: 'MyDoc',
        CloudWatchOutputConfig: { CloudWatchOutputEnabled: true, CloudWatchLogGroupName: '/vodsr/host' },
      },
    });
    expect(d[WORKFLOW_STATES.planPackaging]).toMatchObject({
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: {
        FunctionName: 'arn:aws:lambda:eu-west-1:111111111111:function:plan',
        Payload: {
          'media.$': '$.host.sr',
          'preset.$': '$.packagingPreset',
          role: 'arn:aws:iam::111111111111:role/mc',
        },
      },
      ResultSelector: { 'request.$': '$.Payload' },
      ResultPath: '$.packaging',
    });
    expect(d[WORKFLOW_STATES.runHost]).toMatchObject({ Next: WORKFLOW_STATES.skipPackaging });
    expect(d[WORKFLOW_STATES.skipPackaging]).toMatchObject({
      Type: 'Choice',
      Choices: [
        { Variable: '$.packagingPreset', StringEquals: 'none', Next: WORKFLOW_STATES.notifySuccess },
        { Variable: '$.packagingEngine', StringEquals: 'host', Next: WORKFLOW_STATES.notifySuccess },
      ],
      Default: WORKFLOW_STATES.planPackaging,
    });
    expect(d[WORKFLOW_STATES.planPackaging]).toMatchObject({ Next: WORKFLOW_STATES.package });
    expect(d[WORKFLOW_STATES.package]).toMatchObject({
      Resource: 'arn:aws:states:::mediaconvert:createJob.sync',
      Parameters: {
        'Settings.$': '$.packaging.request.Settings',
        Role: 'arn:aws:iam::111111111111:role/mc',
        'UserMetadata.$': '$.packaging.request.UserMetadata',
      },
      ResultPath: '$.mediaconvert',
    });
    expect(d[WORKFLOW_STATES.notifySuccess]).toMatchObject({
      Resource: 'arn:aws:states:::events:putEvents',
      Parameters: { Entries: [{ DetailType: WORKFLOW_DETAIL_TYPES.succeeded, Source: 'vodsr' }] },
    });
    expect(d[WORKFLOW_STATES.notifyFailure]).toMatchObject({
      Parameters: {
        Entries: [{ DetailType: WORKFLOW_DETAIL_TYPES.failed, Detail: { 'error.$': '$.error' } }],
      },
    });
  });

  it('rejects bad options listing every problem', () => {
    let err: unknown;
    try {
      buildWorkflowDefinition({
        heartbeatSeconds: 30,
        hostTimeoutSeconds: 60,
        deliveryTimeoutSeconds: 1,
        documentName: '',
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ValidationError);
    const issues = (err as ValidationError).issues;
    expect(issues.map((i) => i.path)).toEqual([
      '/deliveryTimeoutSeconds',
      '/heartbeatSeconds',
      '/documentName',
    ]);
    // The floor says why it is what it is.
    expect(issues[1]?.message).toMatch(/at least 60: the host heartbeats every quarter of it/);
  });

  it('orders the timeouts so the most specific cause wins', () => {
    const runHost = (o: Parameters<typeof buildWorkflowDefinition>[0]) =>
      statesOf(buildWorkflowDefinition(o))[WORKFLOW_STATES.runHost] as unknown as {
        HeartbeatSeconds: number;
        TimeoutSeconds: number;
        Parameters: { TimeoutSeconds: number };
      };
    // Undelivered → SSM's delivery timeout (VODSR_SSM_COMMAND_TIMED_OUT) well before States.HeartbeatTimeout.
    expect(runHost({})).toMatchObject({ HeartbeatSeconds: 300, Parameters: { TimeoutSeconds: 150 } });
    expect(runHost({ heartbeatSeconds: MIN_HEARTBEAT_SECONDS })).toMatchObject({
      HeartbeatSeconds: 60,
      Parameters: { TimeoutSeconds: 30 },
    });
    // Running too long → SSM's 48 h execution timeout before States.Timeout.
    expect(runHost({}).TimeoutSeconds).toBeGreaterThan(172_800 + 150);
    const issues = (o: Parameters<typeof buildWorkflowDefinition>[0]): string[] => {
      try {
        buildWorkflowDefinition(o);
        return [];
      } catch (e) {
        return (e as ValidationError).issues.map((i) => `${i.path}: ${i.message}`);
      }
    };
    const late = issues({ heartbeatSeconds: 300, deliveryTimeoutSeconds: 900 });
    expect(late).toHaveLength(1);
    expect(late[0]).toMatch(/^\/deliveryTimeoutSeconds: must be at most heartbeatSeconds - 30 \(270\)/);
    expect(issues({ heartbeatSeconds: 300, deliveryTimeoutSeconds: 270 })).toEqual([]);
    const short = issues({ hostTimeoutSeconds: 86_400 });
    expect(short).toHaveLength(1);
    expect(short[0]).toMatch(/^\/hostTimeoutSeconds: must be at least 173010/);
  });

  it('retries the errors events:putEvents really raises, and nothing else', () => {
    const d = statesOf(buildWorkflowDefinition({}));
    for (const name of [WORKFLOW_STATES.notifySuccess, WORKFLOW_STATES.notifyFailure]) {
      const retry = (d[name] as unknown as { Retry: { ErrorEquals: string[] }[] }).Retry;
      expect(retry.map((r) => r.ErrorEquals)).toEqual([
        ['EventBridge.FailedEntry', 'EventBridge.InternalException'],
      ]);
    }
    // A success event that cannot be sent does not fail a finished job.
    expect(d[WORKFLOW_STATES.notifySuccess]).toMatchObject({
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.notifyError', Next: WORKFLOW_STATES.succeeded }],
    });
    // priced (JSONata): the same retry, the output kept as its input, the lost event recorded likewise
    const priced = statesOf(buildWorkflowDefinition({ pricing: {} }))[WORKFLOW_STATES.notifySuccess];
    expect(priced).toMatchObject({
      QueryLanguage: 'JSONata',
      Resource: 'arn:aws:states:::events:putEvents',
      Arguments: { Entries: [{ DetailType: WORKFLOW_DETAIL_TYPES.succeeded, Source: 'vodsr' }] },
      Output: '{% $states.input %}',
      Retry: [{ ErrorEquals: ['EventBridge.FailedEntry', 'EventBridge.InternalException'] }],
      Catch: [
        {
          ErrorEquals: ['States.ALL'],
          Output: '{% $merge([$states.input, { "notifyError": $states.errorOutput }]) %}',
          Next: WORKFLOW_STATES.succeeded,
        },
      ],
    });
  });
});
