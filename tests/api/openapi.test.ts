import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ERROR_CODES } from '../../shared/errors/error-codes';
import { useTestApp } from '../support/test-app';

const ROOT = path.resolve(__dirname, '../..');
const bin = (name: string) => path.join(ROOT, 'node_modules/.bin', name);

interface Operation {
  operationId?: string;
  security?: unknown[];
  parameters?: Array<{ name: string; in: string; required?: boolean }>;
  responses: Record<string, { description: string; headers?: Record<string, unknown>; content?: unknown }>;
}
type Document = {
  servers: Array<{ url: string }>;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, { properties?: Record<string, { enum?: string[] }> }> };
};

/** The contract's "OpenAPI" section: a document written for client generators. */
describe('the OpenAPI document', () => {
  const t = useTestApp();
  let document: Document;
  const operations = () => Object.values(document.paths).flatMap((methods) => Object.values(methods));
  const operation = (method: string, url: string) => document.paths[url]![method]!;

  beforeAll(async () => {
    const res = await t.api.request('GET', '/openapi.json');
    expect(res.status).toBe(200);
    document = res.body as Document;
  });

  it('is the one committed in docs/openapi.json (run `npm run openapi` after changing a route schema)', () => {
    expect(JSON.parse(readFileSync(path.join(ROOT, 'docs/openapi.json'), 'utf8'))).toEqual(document);
  });

  it('names every operation with the contract\'s operationIds, each once', () => {
    const ids = operations().map((op) => op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(
      expect.arrayContaining([
        'listProducts',
        'getProduct',
        'getCart',
        'addCartItem',
        'updateCartItem',
        'removeCartItem',
        'createCheckout',
        'getOrder',
        'listOrders',
        'cancelOrder',
        'listSellerOrders',
        'shipOrder',
        'deliverOrder',
        'listAdminOrders',
        'updateAdminOrder',
        'createProduct',
        'updateProduct',
      ]),
    );
    expect(ids.every((id) => typeof id === 'string')).toBe(true);
  });

  it('has named component schemas that routes share', () => {
    expect(Object.keys(document.components.schemas)).toEqual(
      expect.arrayContaining(['Product', 'Cart', 'CartLine', 'Order', 'OrderItem', 'OrderStatus', 'FailureReason', 'Error', 'CheckoutAccepted']),
    );
    const ref = (schema: string) => ({ $ref: `#/components/schemas/${schema}` });
    expect(operation('get', '/api/orders/{id}').responses['200']!.content).toEqual({ 'application/json': { schema: ref('Order') } });
    expect(operation('post', '/api/orders/{id}/cancel').responses['200']!.content).toEqual({ 'application/json': { schema: ref('Order') } });
  });

  it("gives Error a code enum that is exactly the error catalogue", () => {
    expect(document.components.schemas.Error!.properties!.code!.enum!.sort()).toEqual(Object.keys(ERROR_CODES).sort());
  });

  it('marks no optional parameter as required (limit, cursor, status, wait, Idempotency-Key)', () => {
    const optional = operations()
      .flatMap((op) => op.parameters ?? [])
      .filter((parameter) => parameter.in !== 'path');
    expect(optional.length).toBeGreaterThan(0);
    expect(optional.filter((parameter) => parameter.required)).toEqual([]);
  });

  it('documents the 202 headers, the long-poll Retry-After, and Retry-After on every 503', () => {
    expect(Object.keys(operation('post', '/api/checkout').responses['202']!.headers!)).toEqual(['Location', 'Retry-After']);
    expect(Object.keys(operation('get', '/api/orders/{id}').responses['200']!.headers!)).toEqual(['Retry-After']);
    const unavailable = operations().flatMap((op) => (op.responses['503'] ? [op] : []));
    expect(unavailable.length).toBeGreaterThan(15);
    for (const op of unavailable.filter((candidate) => candidate.operationId !== 'getReadiness')) {
      expect({ op: op.operationId, headers: Object.keys(op.responses['503']!.headers ?? {}) }).toEqual({
        op: op.operationId,
        headers: ['Retry-After'],
      });
    }
  });

  it('documents 401 on every route behind a token, 413 and 415 on every route with a body, and none on public ones', () => {
    for (const op of operations()) {
      const statuses = Object.keys(op.responses);
      const isPublic = Array.isArray(op.security) && op.security.length === 0;
      expect({ op: op.operationId, public: isPublic, has401: statuses.includes('401') }).toEqual({
        op: op.operationId,
        public: isPublic,
        has401: !isPublic,
      });
    }
    for (const [url, method] of [
      ['/api/cart', 'post'],
      ['/api/cart/{id}', 'patch'],
      ['/api/checkout', 'post'],
      ['/api/admin/products', 'post'],
      ['/api/admin/orders/{id}', 'patch'],
    ] as const) {
      expect(Object.keys(operation(method, url).responses)).toEqual(expect.arrayContaining(['400', '413', '415']));
    }
    expect(operation('get', '/api/products').security).toEqual([]);
    expect(document.servers.length).toBeGreaterThan(0);
  });

  it('passes Redocly lint (redocly.yaml) with no error and no warning', () => {
    const lint = spawnSync(bin('redocly'), ['lint', 'docs/openapi.json', '--format=summary'], { cwd: ROOT, encoding: 'utf8' });
    const output = `${lint.stdout}${lint.stderr}`;
    expect({ status: lint.status, problems: output.match(/^(error|warning)\s.*$/gm) ?? [] }).toEqual({ status: 0, problems: [] });
    expect(output).toMatch(/Your API description is valid/);
  });

  it('generates a client with openapi-typescript that matches client/src/api-types.ts and type-checks', () => {
    const out = path.join(mkdtempSync(path.join(tmpdir(), 'openapi-ts-')), 'api-types.ts');
    const generated = spawnSync(bin('openapi-typescript'), ['docs/openapi.json', '-o', out], { cwd: ROOT, encoding: 'utf8' });
    expect(generated.status).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(readFileSync(path.join(ROOT, 'client/src/api-types.ts'), 'utf8'));
    const typecheck = spawnSync(bin('tsc'), ['--noEmit', '-p', 'client'], { cwd: ROOT, encoding: 'utf8' });
    expect(typecheck.stdout + typecheck.stderr).toBe('');
    expect(typecheck.status).toBe(0);
  });
});
