import { VodsrPipeline } from '@vodsr/infra-cdk';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';

function synth(backfill?: false | { maxConcurrency: number }): {
  template: Template;
  pipeline: VodsrPipeline;
} {
  const app = new App({ context: { 'aws:cdk:enable-path-metadata': false } });
  const stack = new Stack(app, 'S', { env: { account: '111111111111', region: 'eu-west-1' } });
  const pipeline = new VodsrPipeline(stack, 'Vodsr', {
    amiId: 'ami-0123456789abcdef0',
    availabilityZones: ['eu-west-1a'],
    ...(backfill !== undefined ? { backfill } : {}),
  });
  return { template: Template.fromStack(stack), pipeline };
}

/** The state machines of a template whose definition holds a Distributed Map. */
function distributedMaps(t: Template): string[] {
  const sms = t.findResources('AWS::StepFunctions::StateMachine');
  return Object.entries(sms)
    .filter(([, r]) => JSON.stringify(r).includes('DISTRIBUTED'))
    .map(([id]) => id);
}

describe('VodsrPipeline backfill', () => {
  it('deploys the backfill Distributed Map next to the job workflow by default', () => {
    // Prepare / Act
    const { template, pipeline } = synth();
    // Assess
    template.resourceCountIs('AWS::StepFunctions::StateMachine', 2);
    expect(pipeline.backfill).toBeDefined();
    const maps = distributedMaps(template);
    expect(maps).toHaveLength(1);
    const def = JSON.stringify(template.findResources('AWS::StepFunctions::StateMachine')[maps[0] as string]);
    expect(def).toContain('s3:listObjectsV2');
    expect(def).toContain('MaxConcurrency\\":100');
    expect(def).toContain('ToleratedFailurePercentage\\":5');
    // the per-item Lambda plans with the pipeline's buckets, bulk priority inside prepareJob
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('vodsr backfill'),
    });
  });

  it('takes the backfill tuning and leaves it out with backfill: false', () => {
    const tuned = synth({ maxConcurrency: 7 });
    const maps = distributedMaps(tuned.template);
    const def = JSON.stringify(
      tuned.template.findResources('AWS::StepFunctions::StateMachine')[maps[0] as string],
    );
    expect(def).toContain('MaxConcurrency\\":7');

    const off = synth(false);
    off.template.resourceCountIs('AWS::StepFunctions::StateMachine', 1);
    expect(off.pipeline.backfill).toBeUndefined();
    expect(distributedMaps(off.template)).toHaveLength(0);
  });
});
