import type { Shortage } from '../domain/shortage';
import { inSpan } from '../telemetry/tracing';
import { batchWithFallback, type BatchLimits } from '../async/batch-while-busy';
import type { Database } from '../db/database';
import type { Statement } from '../db/prepared';
import { inTransaction, type Tx } from '../db/transaction';
import type { FailureReason, OrderStatus } from '../domain/order-status';
import { orderFailed, orderPlaced } from '../orders/order-events';
import { orderStatusesOf } from '../orders/order-repository';
import { TRANSITION_ORDERS, transitionOrders, type Transition } from '../orders/order-status-repository';
import { LOCK_PRODUCTS_FOR_SALE, lockProductsForSale, type ProductForSale } from '../products/product-repository';
import { FULFIL_ORDERS, LOCK_ORDERS_AND_CARTS, fulfilOrders, lockOrdersAndCarts, type Fulfilment, type LockedOrderWithCart } from './placement-repository';
import { priceLines } from './price-lines';

/** The statements every placement runs (a new worker plans them at start-up: openWarmConnections). */
export const PLACEMENT_STATEMENTS: readonly Statement[] = [LOCK_ORDERS_AND_CARTS, LOCK_PRODUCTS_FOR_SALE, FULFIL_ORDERS, TRANSITION_ORDERS];

/** The lines a failed placement could not serve (failure_details). */
export interface FailureDetails {
  products: Shortage[];
}

export type PlacementOutcome =
  | { status: 'placed'; totalPrice: string; itemsCount: number }
  | { status: 'failed'; reason: FailureReason; details: FailureDetails }
  | { status: 'skipped'; current: OrderStatus }
  | { status: 'missing' };

/**
 * Turns the user's cart into the order, in one transaction: `placeOrders`
 * with a group of one. The worker runs it for every checkout job it cannot
 * group; an admin's move to `placed` runs the same.
 */
export async function placeOrder(db: Database, orderId: string, actor = 'worker'): Promise<PlacementOutcome> {
  const [outcome] = await placeOrders(db, [orderId], actor);
  return outcome!;
}

/**
 * Places a group of orders in one transaction, step by step: lock the orders
 * (in id order) and their cart lines; skip those no longer pending; lock the
 * union of their products once, in id order; price the orders one after
 * another, in the order given, against the locked stock (a shortage fails
 * only its own order and leaves its cart); take the stock, write the items
 * and clear the cart lines of every placed order (one statement); move every
 * order to placed or failed with its history row and event (one statement);
 * COMMIT. Four round trips whatever the group's size (BEGIN goes with the
 * first statement, the moves with the fulfilment). Safe to run twice: the
 * second run skips. Resolves with each order's outcome, in the order given.
 */
export async function placeOrders(db: Database, orderIds: string[], actor = 'worker'): Promise<PlacementOutcome[]> {
  const group = [...new Set(orderIds)];
  const place = () => inTransaction(db, async (tx) => ({ outcomes: await placeGroup(tx, group, actor) }), {
    // the COMMIT's answer was lost: committed if every order that moved says so (a skip wrote nothing)
    committed: async ({ outcomes: settled }) => {
      const moved = [...settled].filter(([, outcome]) => outcome.status === 'placed' || outcome.status === 'failed');
      if (moved.length === 0) return true;
      const statuses = await orderStatusesOf(db, moved.map(([orderId]) => orderId));
      return moved.every(([orderId, outcome]) => statuses.get(orderId) === outcome.status);
    },
  });
  // traced: a span for the transaction, a child of the job that started the group
  const { outcomes } = await inSpan('place orders', [], { 'checkout.orders': group.length }, place);
  return orderIds.map((orderId) => outcomes.get(orderId)!);
}

/**
 * `placeOrder` for a process that places many orders at once (the worker):
 * while `maxInFlight` placements run, the orders that come meanwhile wait and
 * are placed together, up to `maxBatch` in one transaction, when one of those
 * ends — so an idle worker places each order alone and at once, and a busy
 * one commits once per group, not per order. A group that fails is placed
 * again order by order, so one bad order never fails the others: each call
 * gets its own outcome, or its own error.
 */
export function groupingPlacer(db: Database, limits: BatchLimits, actor = 'worker'): (orderId: string) => Promise<PlacementOutcome> {
  return batchWithFallback(
    async (orderIds: string[]) => (await placeOrders(db, orderIds, actor)).map((value) => ({ status: 'fulfilled' as const, value })),
    (orderId) => placeOrder(db, orderId, actor),
    limits,
  );
}

async function placeGroup(tx: Tx, orderIds: string[], actor: string): Promise<Map<string, PlacementOutcome>> {
  const plan = planGroup(orderIds, await lockOrdersAndCarts(tx, orderIds), actor);
  const products = plan.productIds.length > 0 ? await lockProductsForSale(tx, plan.productIds) : [];
  const { fulfilments, moves, outcomes } = priceGroup(plan, products, actor);
  // one round trip for both: the connection pipelines, so the moves go out right behind the fulfilment; a fulfilment
  // that fails, or takes less stock than it asked for, fails the transaction, the moves with it
  const [fulfilled, moved] = await Promise.allSettled([fulfilOrders(tx, fulfilments), transitionOrders(tx, moves)]);
  if (fulfilled.status === 'rejected') throw fulfilled.reason;
  if (moved.status === 'rejected') throw moved.reason;
  return outcomes;
}

/** A group's decisions so far: settled outcomes (missing, skipped, an empty cart) and the orders left to price. */
export interface GroupPlan {
  outcomes: Map<string, PlacementOutcome>;
  moves: Transition[];
  pending: LockedOrderWithCart[];
  /** The products of the pending orders, each once: the ones to lock. */
  productIds: string[];
}

/** Sorts the locked orders of a group (pure): what is no longer pending is settled, the rest is to be priced. */
export function planGroup(orderIds: string[], orders: Map<string, LockedOrderWithCart>, actor: string): GroupPlan {
  const plan: GroupPlan = { outcomes: new Map(), moves: [], pending: [], productIds: [] };
  for (const orderId of orderIds) {
    const order = orders.get(orderId);
    if (!order) plan.outcomes.set(orderId, { status: 'missing' });
    else if (order.status !== 'pending') plan.outcomes.set(orderId, { status: 'skipped', current: order.status });
    else if (order.lines.length === 0) failIn(plan, orderId, actor, 'CART_EMPTY', { products: [] });
    else plan.pending.push(order);
  }
  plan.productIds = [...new Set(plan.pending.flatMap((order) => order.lines.map((line) => line.productId)))];
  return plan;
}

/**
 * Prices the pending orders one after another, in the group's order, against
 * the locked stock as the orders before them leave it (pure): a shortage
 * fails only its own order. Resolves the plan into what to write.
 */
export function priceGroup(plan: GroupPlan, locked: ProductForSale[], actor: string): GroupPlan & { fulfilments: Fulfilment[] } {
  const stock = new Map(locked.map((product) => [product.id, { ...product }]));
  const fulfilments: Fulfilment[] = [];
  for (const order of plan.pending) {
    const pricing = priceLines(order.lines, order.lines.flatMap((line) => stock.get(line.productId) ?? []));
    if (!pricing.ok) {
      failIn(plan, order.id, actor, pricing.reason, { products: pricing.products });
      continue;
    }
    for (const item of pricing.items) stock.get(item.productId)!.stock -= item.quantity;
    fulfilments.push({ orderId: order.id, items: pricing.items, cartLineIds: order.lines.map((line) => line.id) });
    plan.outcomes.set(order.id, { status: 'placed', totalPrice: pricing.totalPrice, itemsCount: pricing.itemsCount });
    plan.moves.push({ orderId: order.id, event: orderPlaced(order.id, pricing), actor });
  }
  return { ...plan, fulfilments };
}

function failIn(plan: GroupPlan, orderId: string, actor: string, reason: FailureReason, details: FailureDetails): void {
  plan.outcomes.set(orderId, { status: 'failed', reason, details });
  plan.moves.push({ orderId, event: orderFailed(orderId, reason, details.products), actor, failureDetails: details });
}
