import Ajv, { type AnySchema, type Options } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

const COMMON: Options = { allErrors: false, useDefaults: true, removeAdditional: false, strict: false };

function withFormats(options: Options, schemas: readonly AnySchema[]): Ajv {
  const ajv = new Ajv({ ...COMMON, ...options });
  addFormats(ajv);
  for (const schema of schemas) ajv.addSchema(schema);
  return ajv;
}

/**
 * Fastify validator compiler: strict for bodies, coercing for the parts of a
 * URL and headers. `schemas` are the named (`$id`) schemas routes refer to.
 */
export function createValidatorCompiler(schemas: readonly AnySchema[]): FastifySchemaCompiler<unknown> {
  // Bodies are JSON: "2" is not 2, and unknown properties are errors (schemas say additionalProperties: false).
  const bodyAjv = withFormats({ coerceTypes: false }, schemas);
  // Query strings, params and headers are text by nature: coerce "10" to 10 there.
  const textAjv = withFormats({ coerceTypes: 'array' }, schemas);
  return ({ schema, httpPart }) => (httpPart === 'body' ? bodyAjv : textAjv).compile(schema as object);
}
