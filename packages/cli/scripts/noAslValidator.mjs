// Stands in for `asl-validator` inside aws-local-stepfunctions in the CLI bundle (scripts/bundle.mjs). vodsr's
// local workflow builds its StateMachine with `validationOptions.noValidate` (core's definition is checked by
// asl-validator in infra-cdk's tests, not on every job), so the validator and its JSON-schema compiler (ajv) are
// never called; loading them cost every `vodsr run` ~25 ms before its host could start. A StateMachine built
// without noValidate in the bundle gets this error instead of an unchecked run.

/** asl-validator's default export: here, a refusal naming the fix. */
export default function aslValidator() {
  const e = new Error(
    'this vodsr bundle does not include asl-validator: build the StateMachine with validationOptions.noValidate, or validate the definition before (asl-validator, as infra-cdk’s tests do)',
  );
  e.code = 'VODSR_INTERNAL';
  throw e;
}
