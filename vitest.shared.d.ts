import type { ViteUserConfig } from 'vitest/config';
/** Vitest settings shared by every package: run on sources through the `@vodsr/source` export condition. */
export declare function vitestBase(root: string, test?: {
    testTimeout?: number;
    hookTimeout?: number;
}): ViteUserConfig;
//# sourceMappingURL=vitest.shared.d.ts.map