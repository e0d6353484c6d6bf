export { TRIGGER_ENV, triggerConfigFromEnv } from './env.js';
export { handler as triggerLambdaHandler } from './lambda.js';
export { createSfnStarter } from './sfnStarter.js';
