import Type from 'typebox';

/** `Type.Union` of string literals, typed as the union of those literals (a mapped array loses the tuple type). */
export function literalUnion<const T extends readonly [string, ...string[]]>(
  values: T,
  options?: Parameters<typeof Type.Union>[1],
): Type.TUnion<{ -readonly [K in keyof T]: Type.TLiteral<T[K]> }> {
  return Type.Union(
    values.map((v) => Type.Literal(v)),
    options,
  ) as unknown as Type.TUnion<{ -readonly [K in keyof T]: Type.TLiteral<T[K]> }>;
}
