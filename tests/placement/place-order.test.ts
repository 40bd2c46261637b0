import { randomUUID } from 'node:crypto';
import { requestCheckout } from '../../shared/checkout/checkout-service';
import { cancelOrder } from '../../shared/orders/order-service';
import { groupingPlacer, placeOrder, placeOrders, type PlacementOutcome } from '../../shared/placement/place-order';
import type { CartRow, OrderItemRow, OrderRow, StatusHistoryRow } from '../support/rows';
import { startTestApp, type TestApp } from '../support/test-app';

describe('placeOrder (worker placement, one transaction)', () => {
  let t: TestApp;
  let users = 0;

  beforeAll(async () => {
    // a pool of 12: the concurrent tests run up to 10 placements (plus cancels) side by side
    t = await startTestApp({ DB_POOL_MAX: '12' });
  });
  afterAll(() => t.close());

  const db = () => t.app.db;
  const newUser = () => `user-${++users}-${randomUUID().slice(0, 8)}`;

  async function createProduct(price: string, stock: number, { name = `Product ${randomUUID().slice(0, 6)}`, active = true } = {}) {
    const [row] = await t.sql<{ id: string }>(
      'INSERT INTO products (name, price, stock, active) VALUES ($1, $2, $3, $4) RETURNING id',
      [name, price, stock, active],
    );
    return row!.id;
  }

  async function addToCart(userId: string, productId: string, quantity: number): Promise<string> {
    const [row] = await t.sql<{ id: string }>(
      'INSERT INTO cart_items (user_id, product_id, quantity) VALUES ($1, $2, $3) RETURNING id',
      [userId, productId, quantity],
    );
    return row!.id;
  }

  async function checkout(userId: string): Promise<string> {
    const accepted = await requestCheckout(db(), {
      userId,
      body: { contact: `${userId}@example.com`, address: '1 Test Street, Testville' },
      requestId: `req-${userId}`,
    });
    return accepted.orderId;
  }

  const stockOf = async (productId: string) =>
    (await t.sql<{ stock: number }>('SELECT stock FROM products WHERE id = $1', [productId]))[0]!.stock;
  const orderRow = async (orderId: string) => (await t.sql<OrderRow>('SELECT * FROM orders WHERE id = $1', [orderId]))[0]!;
  const orderItems = (orderId: string) =>
    t.sql<Omit<OrderItemRow, 'order_id' | 'seller_id'>>(
      'SELECT product_id, name, unit_price, quantity, line_total FROM order_items WHERE order_id = $1 ORDER BY name',
      [orderId],
    );
  const history = (orderId: string) =>
    t.sql<Pick<StatusHistoryRow, 'status' | 'actor'>>('SELECT status, actor FROM order_status_history WHERE order_id = $1 ORDER BY id', [
      orderId,
    ]);
  const cartOf = (userId: string) =>
    t.sql<Omit<CartRow, 'updated_at'>>('SELECT id, user_id, product_id, quantity FROM cart_items WHERE user_id = $1 ORDER BY id', [userId]);

  /** Everything a placement could change, to compare before and after. */
  async function snapshot(orderId: string, userId: string, productIds: string[]) {
    return {
      order: await orderRow(orderId),
      items: await orderItems(orderId),
      history: await history(orderId),
      cart: await cartOf(userId),
      stock: await Promise.all(productIds.map(stockOf)),
    };
  }

  describe('when the cart can be sold', () => {
    it('places the order with totals, an item snapshot, stock taken, the cart lines removed and a worker history row', async () => {
      const user = newUser();
      const other = newUser();
      const cheap = await createProduct('0.10', 10, { name: 'A cheap thing' });
      const dear = await createProduct('19.99', 5, { name: 'B dear thing' });
      const untouched = await createProduct('3.00', 7);
      await addToCart(user, cheap, 3);
      await addToCart(user, dear, 2);
      const otherLine = await addToCart(other, cheap, 4);
      const orderId = await checkout(user);

      const outcome = await placeOrder(db(), orderId);

      expect(outcome).toEqual({ status: 'placed', totalPrice: '40.28', itemsCount: 5 });
      const order = await orderRow(orderId);
      expect(order).toMatchObject({ status: 'placed', total_price: '40.28', items_count: 5, failure_reason: null, failure_details: null });
      expect(await orderItems(orderId)).toEqual([
        { product_id: cheap, name: 'A cheap thing', unit_price: '0.10', quantity: 3, line_total: '0.30' },
        { product_id: dear, name: 'B dear thing', unit_price: '19.99', quantity: 2, line_total: '39.98' },
      ]);
      expect(await stockOf(cheap)).toBe(7);
      expect(await stockOf(dear)).toBe(3);
      expect(await stockOf(untouched)).toBe(7);
      expect(await cartOf(user)).toEqual([]);
      expect(await cartOf(other)).toEqual([{ id: otherLine, user_id: other, product_id: cheap, quantity: 4 }]);
      expect(await history(orderId)).toEqual([
        { status: 'pending', actor: `customer:${user}` },
        { status: 'placed', actor: 'worker' },
      ]);
    });

    it('sells the whole stock when a line asks for exactly what is left', async () => {
      const user = newUser();
      const product = await createProduct('2.50', 4);
      await addToCart(user, product, 4);
      const orderId = await checkout(user);

      expect(await placeOrder(db(), orderId)).toEqual({ status: 'placed', totalPrice: '10.00', itemsCount: 4 });
      expect(await stockOf(product)).toBe(0);
    });

    it('re-prices every line at placement: a price changed after checkout is the price the order uses', async () => {
      const user = newUser();
      const product = await createProduct('10.00', 10, { name: 'Old name' });
      await addToCart(user, product, 3);
      const orderId = await checkout(user);
      await t.sql("UPDATE products SET price = '12.34', name = 'New name' WHERE id = $1", [product]);

      expect(await placeOrder(db(), orderId)).toEqual({ status: 'placed', totalPrice: '37.02', itemsCount: 3 });
      expect(await orderItems(orderId)).toEqual([
        { product_id: product, name: 'New name', unit_price: '12.34', quantity: 3, line_total: '37.02' },
      ]);
      expect((await orderRow(orderId)).total_price).toBe('37.02');
    });

    it('keeps the item snapshot when the product changes after placement', async () => {
      const user = newUser();
      const product = await createProduct('5.00', 10, { name: 'Sold as' });
      await addToCart(user, product, 1);
      const orderId = await checkout(user);
      await placeOrder(db(), orderId);

      await t.sql("UPDATE products SET price = '99.00', name = 'Renamed later' WHERE id = $1", [product]);

      expect(await orderItems(orderId)).toEqual([
        { product_id: product, name: 'Sold as', unit_price: '5.00', quantity: 1, line_total: '5.00' },
      ]);
    });

    it('removes only the lines it locked: a line the same user adds while the placement runs stays, and another user is never touched', async () => {
      const user = newUser();
      const other = newUser();
      const ordered = await createProduct('1.00', 10);
      const addedLater = await createProduct('2.00', 10);
      await addToCart(user, ordered, 2);
      const otherOrdered = await addToCart(other, ordered, 5);
      const otherLater = await addToCart(other, addedLater, 1);
      const orderId = await checkout(user);

      // Hold the product lock so that the placement stops after locking the order and the cart lines.
      const blocker = await db().transaction();
      let placement: Promise<PlacementOutcome> | undefined;
      try {
        await db().query('SELECT id FROM products WHERE id = $1 FOR UPDATE', { bind: [ordered], transaction: blocker });
        placement = placeOrder(db(), orderId);
        await waitForLockWait();
        const lateLine = await addToCart(user, addedLater, 3);
        await blocker.commit();

        expect(await placement).toEqual({ status: 'placed', totalPrice: '2.00', itemsCount: 2 });
        expect(await orderItems(orderId)).toEqual([expect.objectContaining({ product_id: ordered, quantity: 2 })]);
        expect(await cartOf(user)).toEqual([{ id: lateLine, user_id: user, product_id: addedLater, quantity: 3 }]);
        expect(await stockOf(addedLater)).toBe(10);
        expect(await stockOf(ordered)).toBe(8);
        const otherCart = await cartOf(other);
        expect(otherCart).toHaveLength(2);
        expect(otherCart).toEqual(
          expect.arrayContaining([
            { id: otherOrdered, user_id: other, product_id: ordered, quantity: 5 },
            { id: otherLater, user_id: other, product_id: addedLater, quantity: 1 },
          ]),
        );
      } finally {
        if (!(blocker as unknown as { finished?: string }).finished) await blocker.rollback();
        await placement?.catch(() => undefined);
      }
    });
  });

  describe('when the cart cannot be sold', () => {
    it('fails with OUT_OF_STOCK naming the short product, and leaves cart and every stock untouched', async () => {
      const user = newUser();
      const plenty = await createProduct('1.00', 10);
      const scarce = await createProduct('4.00', 5);
      await addToCart(user, plenty, 2);
      await addToCart(user, scarce, 3);
      const orderId = await checkout(user);
      const cartBefore = await cartOf(user);
      await t.sql('UPDATE products SET stock = 1 WHERE id = $1', [scarce]);

      const outcome = await placeOrder(db(), orderId);

      expect(outcome).toEqual({
        status: 'failed',
        reason: 'OUT_OF_STOCK',
        details: { products: [{ product_id: scarce, requested: 3, available: 1 }] },
      });
      const order = await orderRow(orderId);
      expect(order.status).toBe('failed');
      expect(order.failure_reason).toBe('OUT_OF_STOCK');
      expect(order.failure_details).toEqual({ products: [{ product_id: scarce, requested: 3, available: 1 }] });
      expect(order.total_price).toBeNull();
      expect(order.items_count).toBeNull();
      expect(await orderItems(orderId)).toEqual([]);
      expect(await stockOf(plenty)).toBe(10);
      expect(await stockOf(scarce)).toBe(1);
      expect(await cartOf(user)).toEqual(cartBefore);
      expect(await history(orderId)).toEqual([
        { status: 'pending', actor: `customer:${user}` },
        { status: 'failed', actor: 'worker' },
      ]);
    });

    it('fails with PRODUCT_UNAVAILABLE when a product was deactivated after checkout', async () => {
      const user = newUser();
      const fine = await createProduct('1.00', 10);
      const withdrawn = await createProduct('2.00', 10);
      await addToCart(user, fine, 1);
      await addToCart(user, withdrawn, 1);
      const orderId = await checkout(user);
      const cartBefore = await cartOf(user);
      await t.sql('UPDATE products SET active = false WHERE id = $1', [withdrawn]);

      expect(await placeOrder(db(), orderId)).toEqual({
        status: 'failed',
        reason: 'PRODUCT_UNAVAILABLE',
        details: { products: [{ product_id: withdrawn, requested: 1, available: 0 }] },
      });
      const order = await orderRow(orderId);
      expect(order).toMatchObject({ status: 'failed', failure_reason: 'PRODUCT_UNAVAILABLE' });
      expect(order.failure_details?.products).toEqual([{ product_id: withdrawn, requested: 1, available: 0 }]);
      expect(await orderItems(orderId)).toEqual([]);
      expect(await stockOf(fine)).toBe(10);
      expect(await stockOf(withdrawn)).toBe(10);
      expect(await cartOf(user)).toEqual(cartBefore);
    });

    it('fails with CART_EMPTY when the cart was emptied before the job ran', async () => {
      const user = newUser();
      const product = await createProduct('1.00', 10);
      await addToCart(user, product, 1);
      const orderId = await checkout(user);
      await t.sql('DELETE FROM cart_items WHERE user_id = $1', [user]);

      expect(await placeOrder(db(), orderId)).toEqual({ status: 'failed', reason: 'CART_EMPTY', details: { products: [] } });
      expect(await orderRow(orderId)).toMatchObject({ status: 'failed', failure_reason: 'CART_EMPTY' });
      expect(await orderItems(orderId)).toEqual([]);
      expect(await stockOf(product)).toBe(10);
      expect((await history(orderId)).map((row) => row.status)).toEqual(['pending', 'failed']);
    });
  });

  describe('idempotence and concurrency', () => {
    it('when the same job runs twice, the second run skips and changes nothing', async () => {
      const user = newUser();
      const product = await createProduct('3.00', 10);
      await addToCart(user, product, 2);
      const orderId = await checkout(user);
      expect((await placeOrder(db(), orderId)).status).toBe('placed');
      // a new line after placement must not be picked up by a duplicate delivery
      await addToCart(user, product, 1);
      const before = await snapshot(orderId, user, [product]);

      expect(await placeOrder(db(), orderId)).toEqual({ status: 'skipped', current: 'placed' });
      expect(await snapshot(orderId, user, [product])).toEqual(before);
    });

    it('a failed order is not retried into a placed one', async () => {
      const user = newUser();
      const product = await createProduct('3.00', 1);
      await addToCart(user, product, 2);
      const orderId = await checkout(user);
      expect((await placeOrder(db(), orderId)).status).toBe('failed');
      await t.sql('UPDATE products SET stock = 10 WHERE id = $1', [product]);
      const before = await snapshot(orderId, user, [product]);

      expect(await placeOrder(db(), orderId)).toEqual({ status: 'skipped', current: 'failed' });
      expect(await snapshot(orderId, user, [product])).toEqual(before);
    });

    it('when two workers receive the same job at once, the order is placed once and stock is taken once', async () => {
      const user = newUser();
      const a = await createProduct('1.00', 10);
      const b = await createProduct('2.00', 10);
      await addToCart(user, a, 3);
      await addToCart(user, b, 1);
      const orderId = await checkout(user);

      const outcomes = await Promise.all([placeOrder(db(), orderId), placeOrder(db(), orderId)]);

      expect(outcomes.map((o) => o.status).sort()).toEqual(['placed', 'skipped']);
      expect(outcomes).toContainEqual({ status: 'skipped', current: 'placed' });
      expect(await stockOf(a)).toBe(7);
      expect(await stockOf(b)).toBe(9);
      expect(await orderItems(orderId)).toHaveLength(2);
      expect((await history(orderId)).map((row) => row.status)).toEqual(['pending', 'placed']);
    });

    it('when 10 users check out the same 3 products at once, nothing deadlocks and stock matches what was sold', async () => {
      const initial = 10;
      const products = [await createProduct('1.00', initial), await createProduct('2.00', initial), await createProduct('3.00', initial)];
      const orders: Array<{ user: string; orderId: string }> = [];
      for (let i = 0; i < 10; i++) {
        const user = newUser();
        // every user wants 6 items over the 3 products, added in a different order: demand (20 each) exceeds stock
        for (let k = 0; k < 3; k++) {
          const product = products[(i + k) % 3]!;
          await addToCart(user, product, ((i + k) % 3) + 1);
        }
        orders.push({ user, orderId: await checkout(user) });
      }

      const outcomes = await Promise.all(orders.map(({ orderId }) => placeOrder(db(), orderId)));

      for (const outcome of outcomes) {
        expect(outcome.status === 'placed' || (outcome.status === 'failed' && outcome.reason === 'OUT_OF_STOCK')).toBe(true);
      }
      const placed = orders.filter((_, i) => outcomes[i]!.status === 'placed');
      expect(placed.length).toBeGreaterThan(0);
      expect(placed.length).toBeLessThan(10);

      const sold = await t.sql<{ product_id: string; sold: string }>(
        `SELECT i.product_id, sum(i.quantity) AS sold FROM order_items i JOIN orders o ON o.id = i.order_id
          WHERE o.id = ANY($1::uuid[]) AND o.status = 'placed' GROUP BY i.product_id`,
        [orders.map((o) => o.orderId)],
      );
      for (const product of products) {
        const stock = await stockOf(product);
        expect(stock).toBeGreaterThanOrEqual(0);
        const soldOfProduct = Number(sold.find((row) => row.product_id === product)?.sold ?? 0);
        expect(initial - stock).toBe(soldOfProduct);
      }
      for (const [i, { user, orderId }] of orders.entries()) {
        const status = outcomes[i]!.status;
        expect((await orderRow(orderId)).status).toBe(status);
        expect(await orderItems(orderId)).toHaveLength(status === 'placed' ? 3 : 0);
        expect(await cartOf(user)).toHaveLength(status === 'placed' ? 0 : 3);
      }
    });

    it('answers missing for an order id that does not exist', async () => {
      expect(await placeOrder(db(), randomUUID())).toEqual({ status: 'missing' });
    });
  });

  describe('when a cancel races the placement', () => {
    it('the order ends cancelled with all stock back, or placed with stock taken — never restocked twice or cancelled short', async () => {
      const initial = 5;
      const quantity = 2;
      for (let round = 0; round < 10; round++) {
        const user = newUser();
        const product = await createProduct('1.00', initial);
        await addToCart(user, product, quantity);
        const orderId = await checkout(user);

        const place = () => placeOrder(db(), orderId);
        const cancel = () => cancelOrder(db(), { orderId, actor: `customer:${user}`, ownerId: user });
        // alternate who starts first so that both interleavings happen
        const [placement, cancellation] =
          round % 2 === 0
            ? await Promise.allSettled([place(), cancel()])
            : await Promise.allSettled([cancel(), place()]).then(([c, p]) => [p, c] as const);

        expect(placement.status).toBe('fulfilled');
        const order = await orderRow(orderId);
        const stock = await stockOf(product);
        const statuses = (await history(orderId)).map((row) => row.status);
        if (order.status === 'cancelled') {
          expect(cancellation.status).toBe('fulfilled');
          expect(stock).toBe(initial);
          expect(statuses.filter((s) => s === 'cancelled')).toHaveLength(1);
          expect(statuses).toEqual(statuses.includes('placed') ? ['pending', 'placed', 'cancelled'] : ['pending', 'cancelled']);
        } else {
          expect(order.status).toBe('placed');
          expect(cancellation.status).toBe('rejected');
          expect(stock).toBe(initial - quantity);
          expect(statuses).toEqual(['pending', 'placed']);
        }
      }
    });
  });

  describe('in groups (placeOrders: one transaction for many orders)', () => {
    /** A user with a cart of `lines` ([product, quantity]) who checked out: the pending order. */
    async function pendingOrder(lines: Array<[string, number]>): Promise<{ user: string; orderId: string }> {
      const user = newUser();
      for (const [product, quantity] of lines) await addToCart(user, product, quantity);
      return { user, orderId: await checkout(user) };
    }
    const eventsOf = (orderId: string) =>
      t.sql<{ type: string; data: { items?: unknown[]; products?: unknown[] } }>(
        `SELECT type, data FROM outbox_events WHERE aggregate_id = $1 AND type LIKE 'order.%' ORDER BY id`,
        [orderId],
      );

    it('gives each order its own outcome, in the order given: the first takes the scarce stock, a short one fails alone, a settled one skips, a missing one is missing — one commit', async () => {
      const scarce = await createProduct('5.00', 3);
      const plenty = await createProduct('1.00', 100);
      const first = await pendingOrder([[scarce, 2], [plenty, 1]]);
      const second = await pendingOrder([[scarce, 2]]);
      const third = await pendingOrder([[plenty, 4]]);
      const settled = await pendingOrder([[plenty, 1]]);
      await placeOrder(db(), settled.orderId);
      const missing = randomUUID();

      const outcomes = await placeOrders(db(), [first.orderId, second.orderId, missing, third.orderId, settled.orderId]);

      expect(outcomes).toEqual([
        { status: 'placed', totalPrice: '11.00', itemsCount: 3 },
        { status: 'failed', reason: 'OUT_OF_STOCK', details: { products: [{ product_id: scarce, requested: 2, available: 1 }] } },
        { status: 'missing' },
        { status: 'placed', totalPrice: '4.00', itemsCount: 4 },
        { status: 'skipped', current: 'placed' },
      ]);
      expect(await stockOf(scarce)).toBe(1);
      expect(await stockOf(plenty)).toBe(100 - 1 - 4 - 1);
      expect(await cartOf(first.user)).toEqual([]);
      expect(await cartOf(second.user)).toHaveLength(1);
      expect(await cartOf(third.user)).toEqual([]);
      expect(await orderItems(first.orderId)).toHaveLength(2);
      expect(await orderItems(second.orderId)).toEqual([]);
      expect((await history(second.orderId)).map((row) => row.status)).toEqual(['pending', 'failed']);
      expect((await history(settled.orderId)).map((row) => row.status)).toEqual(['pending', 'placed']);
      // now() is the transaction's start: one transaction moved the three
      const moved = await t.sql<{ updated_at: Date }>('SELECT DISTINCT updated_at FROM orders WHERE id = ANY($1::uuid[])', [
        [first.orderId, second.orderId, third.orderId],
      ]);
      expect(moved).toHaveLength(1);
      // each order's own event, with its own items or shortage
      expect((await eventsOf(first.orderId)).map((event) => [event.type, event.data.items?.length])).toEqual([['order.placed', 2]]);
      expect((await eventsOf(second.orderId)).map((event) => [event.type, event.data.products?.length])).toEqual([['order.failed', 1]]);
      expect((await eventsOf(third.orderId)).map((event) => event.type)).toEqual(['order.placed']);
    });

    it('groups over the same products placed at once from both ends never deadlock, and stock matches what was sold', async () => {
      const initial = 12;
      const products = [await createProduct('1.00', initial), await createProduct('2.00', initial), await createProduct('3.00', initial)];
      const orders = [];
      for (let i = 0; i < 12; i++) {
        orders.push(await pendingOrder([[products[i % 3]!, 1 + (i % 2)], [products[(i + 1) % 3]!, 2]]));
      }
      const ids = orders.map((order) => order.orderId);
      const groups = [ids.slice(0, 6), ids.slice(6).reverse(), ids.filter((_, i) => i % 3 === 0)];

      const outcomes = (await Promise.all(groups.map((group) => placeOrders(db(), group)))).flat();

      expect(outcomes.filter((outcome) => outcome.status === 'placed').length).toBeGreaterThan(0);
      const [placed] = await t.sql<{ n: number }>(`SELECT count(*)::int AS n FROM orders WHERE id = ANY($1::uuid[]) AND status = 'placed'`, [ids]);
      expect(outcomes.filter((outcome) => outcome.status === 'placed')).toHaveLength(placed!.n);
      for (const product of products) {
        const [sold] = await t.sql<{ n: number }>(
          `SELECT coalesce(sum(i.quantity), 0)::int AS n FROM order_items i JOIN orders o ON o.id = i.order_id
            WHERE o.id = ANY($1::uuid[]) AND o.status = 'placed' AND i.product_id = $2`,
          [ids, product],
        );
        expect(initial - (await stockOf(product))).toBe(sold!.n);
      }
    });

    it('groupingPlacer: calls that come while a placement runs are placed together; a group that fails is placed again order by order, each call with its own outcome or error', async () => {
      const product = await createProduct('1.00', 1_000);
      const orders = [];
      for (let i = 0; i < 12; i++) orders.push(await pendingOrder([[product, 1]]));
      const place = groupingPlacer(db(), { maxInFlight: 1, maxBatch: 8 });

      // the first goes alone and at once; the rest wait for it and go together
      const settled = await Promise.allSettled([...orders.map((order) => place(order.orderId)), place('not-a-uuid')]);

      expect(settled.slice(0, 12).map((result) => result.status === 'fulfilled' && result.value.status)).toEqual(Array(12).fill('placed'));
      expect(settled[12]!.status).toBe('rejected');
      const transactions = await t.sql<{ updated_at: Date }>('SELECT DISTINCT updated_at FROM orders WHERE id = ANY($1::uuid[])', [
        orders.map((order) => order.orderId),
      ]);
      expect(transactions.length).toBeLessThan(12);
      expect(await stockOf(product)).toBe(1_000 - 12);
    });

    it('a fulfilment that takes less stock than it asked for rolls the whole group back: no order moves, no item, no event', async () => {
      const product = await createProduct('3.00', 10);
      const orders = [await pendingOrder([[product, 1]]), await pendingOrder([[product, 2]])];
      // stands for a lock that was missed: the stock update of this product is skipped, so the guarded update takes nothing
      const trigger = `skip_stock_${randomUUID().slice(0, 8)}`;
      await t.sql(`CREATE FUNCTION ${trigger}() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NULL; END'`);
      await t.sql(
        `CREATE TRIGGER ${trigger} BEFORE UPDATE OF stock ON products FOR EACH ROW WHEN (OLD.id = '${product}') EXECUTE FUNCTION ${trigger}()`,
      );
      try {
        await expect(placeOrders(db(), orders.map((order) => order.orderId))).rejects.toThrow('stock changed under the placement lock');
      } finally {
        await t.sql(`DROP TRIGGER ${trigger} ON products`);
        await t.sql(`DROP FUNCTION ${trigger}()`);
      }

      for (const { user, orderId } of orders) {
        expect((await orderRow(orderId)).status).toBe('pending');
        expect((await history(orderId)).map((row) => row.status)).toEqual(['pending']);
        expect(await eventsOf(orderId)).toEqual([]);
        expect(await orderItems(orderId)).toEqual([]);
        expect(await cartOf(user)).toHaveLength(1);
      }
      expect(await stockOf(product)).toBe(10);
    });
  });

  /** Waits until some backend of this database is blocked on a row lock (the placement reached the held product). */
  async function waitForLockWait(timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const rows = await t.sql(
        `SELECT pid FROM pg_stat_activity
          WHERE datname = current_database() AND wait_event_type = 'Lock' AND query ILIKE '%FROM products%FOR NO KEY UPDATE%'`,
      );
      if (rows.length > 0) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error('the placement never waited for the product lock');
  }
});
