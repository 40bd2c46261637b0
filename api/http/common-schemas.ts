import { Type, type ObjectOptions, type TProperties } from '@sinclair/typebox';
import { UUID_PATTERN } from '../../shared/domain/ids';
import { ERROR_CODES } from '../../shared/errors/error-codes';
import { StringEnum } from '../../shared/schemas/string-enum';

/** OpenAPI `security` of every route that needs a bearer token. */
export const BEARER = [{ bearerAuth: [] }];
/** OpenAPI `security` of a public route. */
export const PUBLIC: Array<Record<string, string[]>> = [];

/** A request body object: unknown properties are rejected (400), per the contract. */
export function StrictObject<T extends TProperties>(properties: T, options: ObjectOptions = {}) {
  return Type.Object(properties, { ...options, additionalProperties: false });
}

/** The contract's error shape (component `Error`); a few codes add fields, e.g. `order_id` or `available`. */
export const ErrorSchema = Type.Object(
  {
    statusCode: Type.Integer({ example: 409 }),
    error: Type.String({ description: 'The HTTP reason phrase', example: 'Conflict' }),
    code: StringEnum(Object.keys(ERROR_CODES) as Array<keyof typeof ERROR_CODES>, {
      description: 'Stable and machine-readable: branch on this, never on `message`',
      example: 'OUT_OF_STOCK',
    }),
    message: Type.String({ description: 'For people', example: 'Only 3 in stock' }),
  },
  { $id: 'Error', additionalProperties: true },
);

/** A UUID: canonical form only (Ajv's `format: uuid` alone also lets `urn:uuid:` through). */
export const Uuid = Type.String({ format: 'uuid', pattern: UUID_PATTERN, example: '0b6f2c1e-5d4a-4c3b-8a29-1e7f6d5c4b3a' });
/** A UUID in an answer (the server wrote it: no pattern to repeat). */
export const Id = Type.String({ format: 'uuid', example: '0b6f2c1e-5d4a-4c3b-8a29-1e7f6d5c4b3a' });

/** One line of text: no control characters (PostgreSQL cannot store NUL), not blank. */
export const SingleLine = (options: { minLength?: number; maxLength: number; example?: string; description?: string }) =>
  Type.String({ ...options, pattern: '^(?=.*\\S)[^\\u0000-\\u001F\\u007F]+$' });

/** Free text that may span lines: no NUL or other control characters besides tab and line breaks. */
export const MultiLine = (options: { minLength?: number; maxLength: number; example?: string; description?: string }) =>
  Type.String({ ...options, pattern: '^(?=[\\s\\S]*\\S)[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F]+$' });

export const Money = (description = 'Decimal string, two places', example = '19.99') =>
  Type.String({ pattern: '^-?[0-9]+\\.[0-9]{2}$', description, example });
export const Timestamp = Type.String({ format: 'date-time', example: '2026-11-25T10:00:00.000Z' });

/** `:id` path parameter. Not constrained to UUID here: an id that is not a UUID simply names nothing (404). */
export const IdParams = Type.Object({ id: Type.String({ description: 'A UUID', example: '0b6f2c1e-5d4a-4c3b-8a29-1e7f6d5c4b3a' }) });

/** Keyset pagination query shared by every list. */
export const PageQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 20, description: 'Page size' }),
  cursor: Type.Optional(
    Type.String({ minLength: 1, maxLength: 500, description: '`next_cursor` of the previous page (opaque)' }),
  ),
});

export const NextCursor = Type.Union([Type.String(), Type.Null()], {
  description: 'Pass as `cursor` for the next page; null on the last page',
  example: null,
});
