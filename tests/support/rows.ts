import type { OrderStatus } from '../../shared/domain/order-status';

// What the API answers (…Json) and what the tables hold (…Row), as the tests read them.

/** An error as the API answers it (some codes add fields, such as `order_id` or `current_status`). */
export interface ErrorJson {
  statusCode: number;
  error: string;
  code: string;
  message: string;
  [field: string]: unknown;
}

/** A product as the API answers it. */
export interface ProductJson {
  id: string;
  name: string;
  price: string;
  stock: number;
  seller_id: string | null;
  active: boolean;
  created_at: string;
  updated_at: string;
}

/** A page of GET /api/products. */
export interface ProductPage {
  products: ProductJson[];
  next_cursor: string | null;
}

/** A cart line as the API answers it. */
export interface CartLineJson {
  id: string;
  product_id: string;
  name: string;
  unit_price: string;
  quantity: number;
  line_total: string;
}

/** GET /api/cart. */
export interface CartJson {
  items: CartLineJson[];
  items_count: number;
  total_price: string;
}

/** One line of an order's item snapshot. */
export interface OrderItemJson {
  product_id: string;
  name: string;
  unit_price: string;
  quantity: number;
  line_total: string;
}

/** An order as the API answers it (`status_history` only on a single order). */
export interface OrderJson {
  order_id: string;
  status: OrderStatus;
  failure_reason: string | null;
  failure_details: Record<string, unknown> | null;
  contact: string;
  address: string;
  total_price: string | null;
  items_count: number | null;
  items: OrderItemJson[];
  created_at: string;
  updated_at: string;
  status_history?: Array<{ status: OrderStatus; at: string }>;
}

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

/** A page of GET /api/orders, /api/seller/orders or /api/admin/orders. */
export interface OrderPage {
  orders: OrderJson[];
  next_cursor: string | null;
}

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
  failure_details: { products: Array<{ product_id: string; requested: number; available: number }> } | null;
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
