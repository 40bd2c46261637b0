import { randomBytes } from 'node:crypto';
import type { ApiResponse } from './api-client';
import { admin, newUser, type Actor } from './actors';
import type { CartLineJson, ProductJson } from './rows';
import { routesFor, type ClientSource } from './routes';

/** What a product is created with; omitted fields get defaults. */
export interface ProductValues {
  name?: string;
  price?: string;
  stock?: number;
  seller_id?: string | null;
}

/** A cart line to put in place: a product (or its id) and a quantity. */
export type Line = readonly [ProductJson | string, number];

/** Fails a set-up step with the answer it got, so a broken `given` says why. */
export function expectStatus(res: ApiResponse, allowed: number[], step: string): void {
  if (!allowed.includes(res.status)) {
    throw new Error(`${step}: expected ${allowed.join(' or ')}, got ${res.status} ${res.text}`);
  }
}

const idOf = (product: ProductJson | string) => (typeof product === 'string' ? product : product.id);

/**
 * Test data through the public API, over either harness: `givenFor(t.api)`
 * in-process, `givenFor(stack.api)` against real processes. Each builder
 * checks its own answer, so a test only asserts on the behaviour it is about.
 */
export function givenFor(source: ClientSource, { by = admin('test-admin') }: { by?: Actor } = {}) {
  const routes = routesFor(source);

  const given = {
    /** A product created by an admin (201); name unique, price 10.00 and stock 50 unless given. */
    async product(values: ProductValues = {}): Promise<ProductJson> {
      const sent = { name: `Product ${randomBytes(3).toString('hex')}`, price: '10.00', stock: 50, ...values };
      const res = await routes.createProduct(by, sent);
      expectStatus(res, [201], 'create a product');
      expect(res.body).toMatchObject({ name: sent.name, stock: sent.stock, seller_id: sent.seller_id ?? null, active: true });
      return res.body;
    },

    /** An admin's change to a product (200); returns the product as changed. */
    async productChanged(product: ProductJson | string, changes: Record<string, unknown>): Promise<ProductJson> {
      // an absolute stock needs the stock the admin saw: the product's as given, unless the test says otherwise
      const seen = typeof product === 'object' && 'stock' in changes && !('expected_stock' in changes) && { expected_stock: product.stock };
      const res = await routes.patchProduct(by, idOf(product), { ...changes, ...seen });
      expectStatus(res, [200], 'change a product');
      return res.body;
    },

    /** Puts `quantity` of the product in the cart of `who` (a new line, 201, or merged, 200); omitted, the API's default of 1. */
    async cart(who: Actor, product: ProductJson | string, quantity?: number): Promise<CartLineJson> {
      const res = await routes.addToCart(who, { product_id: idOf(product), ...(quantity !== undefined && { quantity }) });
      expectStatus(res, [200, 201], 'add to the cart');
      return res.body;
    },

    /** Checks out the cart of `who` (202, pending); returns the order id. */
    async checkoutOk(who: Actor, body?: unknown, headers?: Record<string, string>): Promise<string> {
      const res = await routes.checkout(who, body, headers);
      expect({ status: res.status, body: res.body }).toMatchObject({ status: 202, body: { status: 'pending' } });
      return (res.body as { order_id: string }).order_id;
    },

    /** A new user with `quantity` of a product (a new one unless given) in the cart. */
    async userWithCart(quantity = 1, product?: ProductJson): Promise<{ user: Actor; product: ProductJson }> {
      const user = newUser();
      const chosen = product ?? (await given.product());
      await given.cart(user, chosen, quantity);
      return { user, product: chosen };
    },

    /** Puts the lines in the cart of `who` and checks out: a pending order (no items yet). */
    async pendingOrder(who: Actor, lines: readonly Line[]): Promise<string> {
      for (const [product, quantity] of lines) await given.cart(who, product, quantity);
      return given.checkoutOk(who);
    },
  };
  return given;
}
