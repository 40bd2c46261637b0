import { Type, type SchemaOptions, type TUnsafe } from '@sinclair/typebox';

/**
 * A string limited to `values`, as a plain JSON Schema `enum` (clearer errors
 * and OpenAPI output than TypeBox's union of literals).
 */
export function StringEnum<const T extends readonly string[]>(values: T, options: SchemaOptions = {}): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ ...options, type: 'string', enum: [...values] });
}
