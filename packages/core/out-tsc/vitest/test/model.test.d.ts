export {};
//# sourceMappingURL=model.test.d.ts.map