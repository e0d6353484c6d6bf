// Runs an ASL definition in-process with aws-local-stepfunctions and reports how it ended.

// aws-local-stepfunctions 3 needs Promise.withResolvers (Node 22); this machine runs Node 20.
const P = Promise as unknown as { withResolvers?: unknown };
if (typeof P.withResolvers !== 'function') {
  P.withResolvers = <T>() => {
    let resolve!: (v: T) => void;
    let reject!: (e: unknown) => void;
    const promise = new Promise<T>((a, b) => {
      resolve = a;
      reject = b;
    });
    return { promise, resolve, reject };
  };
}

const { StateMachine } = await import('aws-local-stepfunctions');

export type Handler = (input: unknown) => Promise<unknown> | unknown;

export interface LocalRun {
  readonly status: 'SUCCEEDED' | 'FAILED';
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: string;
  /** Names of the states entered, in order (one entry per state transition). */
  readonly path: string[];
  /** The input each state received, by state name (last one wins). */
  readonly inputs: Record<string, unknown>;
}

/** An error as Step Functions sees it: `name` is the error, `message` the cause. */
export function stateError(error: string, cause: string): Error {
  const e = new Error(cause);
  e.name = error;
  return e;
}

/** Executes `definition` with local task handlers keyed by state name. */
export async function runLocal(
  definition: Record<string, unknown>,
  input: unknown,
  handlers: Record<string, Handler>,
  opts: { taskToken?: string; waitMs?: Record<string, number> } = {},
): Promise<LocalRun> {
  const sm = new StateMachine(structuredClone(definition) as never);
  const waitNames = Object.keys(
    Object.fromEntries(
      Object.entries(definition.States as Record<string, { Type: string }>).filter(
        ([, s]) => s.Type === 'Wait',
      ),
    ),
  );
  const retryNames = Object.keys(definition.States as object);
  const exec = sm.run(input as never, {
    context: { Task: { Token: opts.taskToken ?? 'local-task-token' } } as never,
    overrides: {
      taskResourceLocalHandlers: handlers as never,
      waitTimeOverrides: Object.fromEntries(waitNames.map((n) => [n, opts.waitMs?.[n] ?? 0])),
      retryIntervalOverrides: Object.fromEntries(retryNames.map((n) => [n, 0])),
    },
  });
  const path: string[] = [];
  const inputs: Record<string, unknown> = {};
  const logs = (async () => {
    for await (const ev of exec.eventLogs) {
      if (ev.type === 'StateEntered') {
        path.push(ev.state.name);
        inputs[ev.state.name] = ev.state.input;
      }
    }
  })();
  try {
    const output = await exec.result;
    await logs;
    return { status: 'SUCCEEDED', output, path, inputs };
  } catch (e) {
    await logs.catch(() => undefined);
    const cause = (e as { cause?: { name?: string; message?: string } }).cause;
    return {
      status: 'FAILED',
      ...(cause?.name === undefined ? {} : { error: cause.name }),
      ...(cause?.message === undefined ? {} : { cause: cause.message }),
      path,
      inputs,
    };
  }
}
