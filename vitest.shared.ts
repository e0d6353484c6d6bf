import { basename } from 'node:path';
import type { ViteUserConfig } from 'vitest/config';

/** Vitest settings shared by every package: run on sources through the `@vodsr/source` export condition. */
export function vitestBase(
  root: string,
  test: { testTimeout?: number; hookTimeout?: number } = {},
): ViteUserConfig {
  // Not Vite's default 'module' condition: it makes Node load the AWS SDK's bundler-only `dist-es` files
  // (extensionless imports → ERR_MODULE_NOT_FOUND).
  const conditions = ['@vodsr/source', 'node', 'development|production'];
  return {
    root,
    cacheDir: `../../node_modules/.vite/${basename(root)}`,
    resolve: { conditions },
    ssr: { resolve: { conditions } },
    test: {
      name: basename(root),
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      environment: 'node',
      testTimeout: test.testTimeout ?? 30_000,
      hookTimeout: test.hookTimeout ?? 60_000,
      reporters: ['default'],
      passWithNoTests: false,
    },
  };
}
