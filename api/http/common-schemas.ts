import { Type, type TProperties, type ObjectOptions } from '@sinclair/typebox';
import { UUID_PATTERN } from '../../shared/domain/ids';

/** OpenAPI `security` of every route that needs a bearer token. */
export const BEARER = [{ bearerAuth: [] }];

/** A request body object: unknown properties are rejected (400), per the contract. */
export function StrictObject<T extends TProperties>(properties: T, options: ObjectOptions = {}) {
  return Type.Object(properties, { ...options, additionalProperties: false });
}

/** The contract's error shape. */
export const ErrorResponse = Type.Object(
  {
    statusCode: Type.Integer(),
    error: Type.String(),
    code: Type.String({ description: 'Stable machine-readable code' }),
    message: Type.String({ description: 'For people' }),
  },
  { additionalProperties: true },
);

/** A UUID in a body: canonical form only (Ajv's `format: uuid` alone also lets `urn:uuid:` through). */
export const Uuid = Type.String({ format: 'uuid', pattern: UUID_PATTERN });

/** One line of text: no control characters (PostgreSQL cannot store NUL), not blank. */
export const SingleLine = (options: { minLength?: number; maxLength: number }) =>
  Type.String({ ...options, pattern: '^(?=.*\\S)[^\\u0000-\\u001F\\u007F]+$' });

/** Free text that may span lines: no NUL or other control characters besides tab and line breaks. */
export const MultiLine = (options: { minLength?: number; maxLength: number }) =>
  Type.String({ ...options, pattern: '^(?=[\\s\\S]*\\S)[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F]+$' });

export const Money = Type.String({ pattern: '^-?[0-9]+\\.[0-9]{2}$', examples: ['19.99'] });
export const Timestamp = Type.String({ format: 'date-time' });

/** `:id` path parameter. Not constrained to UUID here: an id that is not a UUID simply names nothing (404). */
export const IdParams = Type.Object({ id: Type.String() });

/** Keyset pagination query shared by every list. */
export const PageQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 500, description: 'next_cursor of the previous page' })),
});

export const NextCursor = Type.Union([Type.String(), Type.Null()]);
