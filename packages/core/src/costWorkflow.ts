import {
  DEFAULT_PRICE_TABLE,
  LOST_HOST_TRANSITIONS,
  NO_PACKAGING_PATH_TRANSITIONS,
  type PriceTable,
  SUCCESS_PATH_TRANSITIONS,
  slotSecondPrice,
} from './costPrices.js';
import { ValidationError } from './errors.js';

/**
 * `cost.actual` priced inside the workflow: a JSONata expression (Step Functions, per-state `QueryLanguage:
 * JSONata`) that the `NotifySuccess` state evaluates on its input, so the completion event carries the job's
 * priced actual without another state on either path. It computes what core's `executionActualCost` computes
 * from the execution output — host busy seconds × the fleet's slot-second price, MediaConvert per output minute
 * per rendition by tier with the 10 s minimum (from `$.mediaconvert.Job`'s measured `DurationInMs`), the
 * transitions of the path taken — with the prices of the table written into the expression as data when the
 * definition is built (the table's date, the instance type and the market said in the assumptions).
 */

/** How the workflow prices a finished job: the fleet's instance type, market and slots, and the price table. */
export interface WorkflowPricing {
  /** The fleet's instance type (the host result does not name it). @default 'g6e.xlarge' */
  readonly instanceType?: string;
  /** @default 'on-demand' */
  readonly purchase?: 'on-demand' | 'spot';
  /** @default 1 */
  readonly slotsPerHost?: number;
  /** @default core's `DEFAULT_PRICE_TABLE` */
  readonly prices?: PriceTable;
}

const lit = (v: unknown): string => JSON.stringify(v);

/**
 * The JSONata expression (without the `{% %}` delimiters) whose value is the job's `cost.actual` (a
 * `CostFigures`) or `null` when `$states.input.host` has no `elapsedSeconds` — the same figures, rounded the
 * same way, with the same assumptions as `executionActualCost(input, pricing, prices)`.
 * Throws `VODSR_UNKNOWN_PRICE` when the table has no price for the fleet, `VODSR_VALIDATION` for bad slots.
 *
 * @example const state = { QueryLanguage: 'JSONata', Arguments: { cost: `{% ${actualCostJsonata({ purchase: 'spot' })} %}` } };
 */
export function actualCostJsonata(pricing: WorkflowPricing = {}): string {
  const prices = pricing.prices ?? DEFAULT_PRICE_TABLE;
  const slots = pricing.slotsPerHost ?? 1;
  if (!Number.isInteger(slots) || slots < 1)
    throw new ValidationError('workflow pricing', [
      { path: '/slotsPerHost', message: 'must be an integer ≥ 1' },
    ]);
  const slot = slotSecondPrice(
    prices,
    pricing.instanceType ?? 'g6e.xlarge',
    pricing.purchase ?? 'on-demand',
    slots,
  );
  const mc = prices.mediaconvert;
  const rates = mc.perMinute[mc.tier];
  const perThousand = prices.stepFunctions.perThousandTransitions;
  // One line (asl-validator's JSONata pattern does not span lines); `$r` rounds half up as core's Math.round.
  return [
    '(',
    '$in := $states.input;',
    '$busy := $in.host.elapsedSeconds;',
    '$r := function($x, $m) { $floor($x * $m + 0.5) / $m };',
    '$att := $max([1, $floor($type($in.attempt.number) = "number" ? $in.attempt.number : 1)]);',
    '$num := function($v) { $type($v) = "number" ? $v : 0 };',
    '$outs := [$in.mediaconvert.Job.OutputGroupDetails.OutputDetails[$type(DurationInMs) = "number"]];',
    `$items := [$map($outs, function($d) { ( $w := $num($d.VideoDetails.WidthInPx); $h := $num($d.VideoDetails.HeightInPx); $s := $min([$w, $h]); $tier := $s < 720 ? "sd" : ($s <= 1080 ? "hd" : "uhd"); $billed := $max([${lit(mc.minimumSeconds)}, $ceil($d.DurationInMs / 1000)]); $rate := $lookup(${lit(rates)}, $tier); { "usd": $billed / 60 * $rate, "note": ${lit(`MediaConvert ${mc.tier} `)} & $uppercase($tier) & " output " & $string($w) & "x" & $string($h) & ": " & $string($billed) & ${lit(` s billed (minimum ${mc.minimumSeconds} s) × $`)} & $string($rate) & "/min" } ) })];`,
    `$tr := ($exists($in.mediaconvert) ? ${SUCCESS_PATH_TRANSITIONS} : ${NO_PACKAGING_PATH_TRANSITIONS}) + ${LOST_HOST_TRANSITIONS} * ($att - 1);`,
    `$gpu := $busy * ${lit(slot.usd)};`,
    '$pkg := $reduce($items, function($a, $i) { $a + $i.usd }, 0);',
    `$trUsd := $tr * ${lit(perThousand)} / 1000;`,
    '$notes := $append(["host elapsedSeconds " & $string($busy) & " s from the execution output ($.host)"], $att > 1 ? [$string($att) & " host attempts (the lost ones are not billed here)"] : []);',
    `$measured := [$string($busy) & " s measured on the host (busy slot)", ${lit(slot.assumption)}];`,
    '$mcNotes := $count($items) = 0 ? ["no MediaConvert output: packaging $0"] : [$items.note];',
    `$trNote := $string($tr) & ${lit(` Step Functions transitions × $${perThousand}/1,000 (Standard, free tier ignored)`)};`,
    '$type($in.host) = "object" and $type($busy) = "number" and $busy >= 0 ? {',
    '"gpuSeconds": $r($busy, 1000),',
    '"usd": { "gpu": $r($gpu, 1000000000), "packaging": $r($pkg, 1000000000), "transitions": $r($trUsd, 1000000000), "total": $r($gpu + $pkg + $trUsd, 1000000000) },',
    '"assumptions": $append($append($append($notes, $measured), $mcNotes), [$trNote]),',
    `"pricesDate": ${lit(prices.date)}`,
    '} : null',
    ')',
  ].join(' ');
}
