import { defineConfig } from 'vitest/config';
import { vitestBase } from '../../vitest.shared.js';

export default defineConfig(vitestBase(import.meta.dirname, { testTimeout: 120_000 }));
