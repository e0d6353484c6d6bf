export declare const HOSTILE_KEYS: string[];
//# sourceMappingURL=naming.test.d.ts.map