import type { components } from '../../client/src/api-types';
import type { OrderStatus } from '../../shared/domain/order-status';
import type { Shortage } from '../../shared/domain/shortage';

// What the API answers (…Json: the types client/ generates from the OpenAPI document) and what the tables hold (…Row).
type Schemas = components['schemas'];

/** An error as the API answers it (some codes add fields, such as `order_id` or `current_status`). */
export type ErrorJson = Schemas['Error'] & { [field: string]: unknown };
export type ProductJson = Schemas['Product'];
export type ProductPage = Schemas['ProductPage'];
export type CartLineJson = Schemas['CartLine'];
export type CartJson = Schemas['Cart'];
export type OrderItemJson = Schemas['OrderItem'];
/** An order as the API answers it (`status_history` only on a single order). */
export type OrderJson = Schemas['OrderSummary'] & Partial<Pick<Schemas['Order'], 'status_history'>>;
export type OrderPage = Schemas['OrderPage'];

/** The fields of an order in a list (a single order adds `status_history`). */
export const ORDER_FIELDS = [
  'address',
  'contact',
  'created_at',
  'failure_details',
  'failure_reason',
  'items',
  'items_count',
  'order_id',
  'status',
  'total_price',
  'updated_at',
];

/** A row of `orders`. */
export interface OrderRow {
  id: string;
  user_id: string;
  status: OrderStatus;
  contact: string;
  address: string;
  total_price: string | null;
  items_count: number | null;
  failure_reason: string | null;
  failure_details: { products: Shortage[] } | null;
  request_id: string | null;
  created_at: Date;
  updated_at: Date;
}

/** A row of `order_items`. */
export interface OrderItemRow {
  order_id: string;
  product_id: string;
  seller_id: string | null;
  name: string;
  unit_price: string;
  quantity: number;
  line_total: string;
}

/** A row of `order_status_history`. */
export interface StatusHistoryRow {
  order_id: string;
  status: OrderStatus;
  actor: string;
}

/** A row of `cart_items`. */
export interface CartRow {
  id: string;
  user_id: string;
  product_id: string;
  quantity: number;
  updated_at: Date;
}

/** A row of `outbox_events`. */
export interface OutboxRow {
  event_id: string;
  type: string;
  aggregate_id: string;
  user_id: string;
  data: Record<string, unknown>;
}
