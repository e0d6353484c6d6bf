export {};
//# sourceMappingURL=seed.test.d.ts.map