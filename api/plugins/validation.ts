import Ajv, { type Options } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

const COMMON: Options = { allErrors: false, useDefaults: true, removeAdditional: false, strict: false };

function withFormats(options: Options): Ajv {
  const ajv = new Ajv({ ...COMMON, ...options });
  addFormats(ajv);
  return ajv;
}

// Bodies are JSON: "2" is not 2, and unknown properties are errors (schemas say additionalProperties: false).
const bodyAjv = withFormats({ coerceTypes: false });
// Query strings, params and headers are text by nature: coerce "10" to 10 there.
const textAjv = withFormats({ coerceTypes: 'array' });

/** Fastify validator compiler: strict for bodies, coercing for the parts of a URL and headers. */
export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) =>
  (httpPart === 'body' ? bodyAjv : textAjv).compile(schema as object);
