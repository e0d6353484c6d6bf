/**
 * `vodsr-agent [--config /etc/vodsr/agent.json]`: the host agent as a service (bundled to
 * `dist/agent/vodsr-agent.mjs`, started by systemd's `vodsr-agent.service`). SIGTERM/SIGINT = drain and exit 0.
 * Logs are JSON lines on stdout (journald / the CloudWatch agent).
 */
import { isVodsrError } from '@vodsr/core';
import { DEFAULT_AGENT_CONFIG_PATH, readAgentConfig } from './agentConfig.js';
import { createAwsAgent } from './aws/createAwsAgent.js';
import { jsonLineLogger } from './HostAgent.js';

const log = jsonLineLogger();

async function main(argv: string[]): Promise<number> {
  let path = process.env.VODSR_AGENT_CONFIG ?? DEFAULT_AGENT_CONFIG_PATH;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--config' && argv[i + 1]) path = argv[++i] as string;
    else if (a.startsWith('--config=')) path = a.slice('--config='.length);
    else if (a === '--version') {
      process.stdout.write('vodsr-agent 0.1.0\n');
      return 0;
    } else if (a === '-h' || a === '--help') {
      process.stdout.write('usage: vodsr-agent [--config /etc/vodsr/agent.json]\n');
      return 0;
    } else {
      log({ level: 'error', event: 'usage', message: `unknown argument ${a}` });
      return 2;
    }
  }
  const agent = createAwsAgent(readAgentConfig(path), { log });
  const onSignal = (sig: string) => {
    log({ level: 'info', event: 'signal', message: `${sig}: draining` });
    void agent.stop();
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
  await agent.run();
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    log({
      level: 'error',
      event: 'fatal',
      message: e instanceof Error ? e.message : String(e),
      ...(isVodsrError(e) ? { code: e.code, details: e.details } : {}),
    });
    process.exit(1);
  },
);
