import { createVodsrApp } from '@vodsr/infra-cdk';
import { it } from 'vitest';
it('synth', async () => {
  const t = Date.now();
  const { app } = createVodsrApp({ context: { amiId: 'ami-0123456789abcdef0', region: 'eu-west-1' } });
  try {
    const asm = app.synth();
    console.log('ok', Date.now() - t, asm.directory);
  } catch (e) {
    console.log('ERR', Date.now() - t, String(e).slice(0, 20000));
  }
}, 120000);
