/**
 * What every command pays before its handler's work (issue 16: a job's fixed cost): yargs renders the running
 * command's whole help after starting the handler, to print it should the handler fail; vodsr never prints it.
 */
import { describe, expect, it, vi } from 'vitest';
import { buildCli } from '../src/main.js';

interface Usage {
  hasCachedHelpMessage(): boolean;
}

describe('a command run', () => {
  it('does not render its help when nothing will print it', async () => {
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      const cli = buildCli(['models', '--json']);
      await cli.parseAsync();
      const usage = (cli as unknown as { getInternalMethods(): { getUsageInstance(): Usage } })
        .getInternalMethods()
        .getUsageInstance();
      expect(usage.hasCachedHelpMessage()).toBe(false);
      // The command itself ran.
      expect(out.mock.calls.map((c) => String(c[0])).join('')).toContain('lanczos-x2');
    } finally {
      out.mockRestore();
    }
  });

  it('still prints a command’s help when asked', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      await buildCli(['run', '--help']).exitProcess(false).parseAsync();
      const text = log.mock.calls.map((c) => String(c[0])).join('\n');
      expect(text).toContain('vodsr run <input>');
      expect(text).toContain('--no-sr-file');
    } finally {
      log.mockRestore();
    }
  });
});
