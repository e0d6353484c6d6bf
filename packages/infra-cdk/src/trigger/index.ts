export { TRIGGER_ENV, triggerConfigFromEnv } from './env.js';
export { estimatedDecision, estimatingStarter, eventObjectSizes, withEstimate } from './estimating.js';
export { handler as triggerLambdaHandler } from './lambda.js';
export {
  type FleetPricingProps,
  objectEstimate,
  PRICING_ENV,
  pricingEnvValue,
  pricingFromEnv,
  type ResolvedPricing,
  resolvePricing,
} from './pricing.js';
export { createSfnStarter } from './sfnStarter.js';
