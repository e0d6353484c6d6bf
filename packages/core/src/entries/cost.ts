/** `@vodsr/core/cost` — What a job costs: the estimate before it runs, the actual after, learned throughput. */
export * from '../cost.js';
export * from '../costExecution.js';
export * from '../costObservation.js';
export * from '../costSize.js';
