import { Duration } from 'aws-cdk-lib';
import {
  AdjustmentType,
  type AutoScalingGroup,
  MetricAggregationType,
  StepScalingAction,
} from 'aws-cdk-lib/aws-autoscaling';
import {
  Alarm,
  ComparisonOperator,
  type IMetric,
  MathExpression,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { AutoScalingAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { Construct } from 'constructs';
import type { VodsrWorkQueues } from './VodsrWorkQueues.js';

// Most step adjustments one scale-out policy gets (the last one is open-ended; later alarms add the rest).
const MAX_SCALE_OUT_STEPS = 20;

/** The backlog metric of the fleet: messages visible in both work queues (missing data = 0). */
export function backlogMetric(queues: VodsrWorkQueues): IMetric {
  const visible = (q: VodsrWorkQueues['interactive']) =>
    q.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' });
  return new MathExpression({
    expression: 'FILL(interactive, 0) + FILL(bulk, 0)',
    usingMetrics: { interactive: visible(queues.interactive), bulk: visible(queues.bulk) },
    period: Duration.minutes(1),
    label: 'vodsr jobs waiting for a host',
  });
}

/** Sizes the scaling policies work with. */
export interface BacklogScalingOptions {
  readonly min: number;
  readonly max: number;
  readonly slots: number;
  readonly idle: number;
  readonly warmup: number;
}

/**
 * Step scaling from the backlog: +ceil(backlog ÷ slots) hosts when jobs wait, back to `min` after `idle` minutes
 * with none (busy hosts are protected by their agent). Nothing when `max` ≤ `min`.
 */
export function addBacklogScaling(
  scope: Construct,
  autoScalingGroup: AutoScalingGroup,
  backlog: IMetric,
  { min, max, slots, idle, warmup }: BacklogScalingOptions,
): void {
  if (max > min) {
    const out = new StepScalingAction(scope, 'ScaleOut', {
      autoScalingGroup: autoScalingGroup,
      adjustmentType: AdjustmentType.CHANGE_IN_CAPACITY,
      metricAggregationType: MetricAggregationType.MAXIMUM,
      estimatedInstanceWarmup: Duration.seconds(warmup),
    });
    // backlog b ≥ 1 → +ceil(b ÷ slots) hosts (bounds are relative to the threshold 1; lower inclusive).
    const steps = Math.min(max, MAX_SCALE_OUT_STEPS);
    for (let k = 1; k <= steps; k++) {
      out.addAdjustment({
        lowerBound: (k - 1) * slots,
        ...(k < steps ? { upperBound: k * slots } : {}),
        adjustment: k,
      });
    }
    new Alarm(scope, 'BacklogAlarm', {
      alarmDescription: 'vodsr: jobs wait for a host: add ceil(backlog / slotsPerHost) hosts',
      metric: backlog,
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    }).addAlarmAction(new AutoScalingAction(out));
    const idleIn = new StepScalingAction(scope, 'ScaleIn', {
      autoScalingGroup: autoScalingGroup,
      adjustmentType: AdjustmentType.EXACT_CAPACITY,
      metricAggregationType: MetricAggregationType.MAXIMUM,
    });
    // Busy hosts are protected by their agent: only idle ones go.
    idleIn.addAdjustment({ upperBound: 0, adjustment: min });
    new Alarm(scope, 'IdleAlarm', {
      alarmDescription: `vodsr: no job waited for ${idle} min: back to ${min} hosts (busy hosts are protected)`,
      metric: backlog,
      threshold: 0,
      evaluationPeriods: idle,
      datapointsToAlarm: idle,
      comparisonOperator: ComparisonOperator.LESS_THAN_OR_EQUAL_TO_THRESHOLD,
      // SQS stops publishing metrics of a queue idle for hours: no data is an empty queue.
      treatMissingData: TreatMissingData.BREACHING,
    }).addAlarmAction(new AutoScalingAction(idleIn));
  }
}
