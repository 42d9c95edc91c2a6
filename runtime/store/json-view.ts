// Artifacts as people read them: pretty JSON in which a Float64Array (how the store loads
// long number arrays, see binary.ts) is written as a plain JSON array, never as
// {"0":…,"1":…}. Any typed array a caller put in the value is treated the same way.

/** `JSON.stringify(value, null, indent)` with typed arrays written as arrays. */
export function artifactJson(value: unknown, indent: number | string = 2): string {
  return JSON.stringify(value, typedArraysAsArrays, indent);
}

function typedArraysAsArrays(_key: string, value: unknown): unknown {
  // toJSON has already run by now (StoredFloat64Array writes itself as an array); this
  // catches plain typed arrays.
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return Array.from(value as unknown as ArrayLike<number>);
  return value;
}
