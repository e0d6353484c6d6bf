// Stands in for `@aws-sdk/client-lambda` and `@aws-sdk/credential-providers` inside aws-local-stepfunctions in
// the CLI bundle (scripts/bundle.mjs): the same names, but the SDK is imported on first use, not at start-up.
// vodsr's local workflow gives every Task a local handler, so it never gets here; if a definition did call a
// real Lambda, this behaves as the SDK does.

/** `new LambdaClient(config).send(new InvokeCommand(input))`, loading the SDK at the first send. */
export class LambdaClient {
  #config;
  #client;
  constructor(config) {
    this.#config = config;
  }
  async send(command) {
    const sdk = await import('@aws-sdk/client-lambda');
    this.#client ??= new sdk.LambdaClient(this.#config);
    return this.#client.send(new sdk.InvokeCommand(command.input));
  }
}

/** The command's input, for LambdaClient.send. */
export class InvokeCommand {
  constructor(input) {
    this.input = input;
  }
}

/** A credentials provider that loads `@aws-sdk/credential-providers` when credentials are first asked for. */
export function fromCognitoIdentityPool(options) {
  let provider;
  return async (props) => {
    provider ??= (await import('@aws-sdk/credential-providers')).fromCognitoIdentityPool(options);
    return provider(props);
  };
}
