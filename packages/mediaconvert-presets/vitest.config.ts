import { defineConfig } from 'vitest/config';
import { vitestBase } from '../../vitest.shared.js';

// The shared conditions include Vite's 'module', which makes Node load the AWS SDK's bundler-only `dist-es`
// files (extensionless imports → ERR_MODULE_NOT_FOUND). A test serializes a job with the SDK: drop 'module' here.
const base = vitestBase(import.meta.dirname, { testTimeout: 30_000 });
const conditions = ['@vodsr/source', 'node', 'development|production'];

export default defineConfig({
  ...base,
  resolve: { ...base.resolve, conditions },
  ssr: { ...base.ssr, resolve: { ...base.ssr?.resolve, conditions } },
});
