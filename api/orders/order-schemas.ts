import { ShortageSchema } from '../../shared/domain/shortage';
import { Type } from '@sinclair/typebox';
import { FAILURE_REASONS, ORDER_STATUSES } from '../../shared/domain/order-status';
import { StringEnum } from '../../shared/schemas/string-enum';
import { Id, Money, NextCursor, PageQuery, StrictObject, Timestamp } from '../http/common-schemas';

export const OrderStatusSchema = StringEnum(ORDER_STATUSES, {
  $id: 'OrderStatus',
  description: 'pending → placed | failed | cancelled; placed → shipped | cancelled; shipped → delivered',
  example: 'placed',
});

export const FailureReasonSchema = StringEnum(FAILURE_REASONS, {
  $id: 'FailureReason',
  description:
    'OUT_OF_STOCK and PRODUCT_UNAVAILABLE list the products in failure_details; CART_EMPTY: nothing to order; ' +
    'ORDER_TOO_LARGE: the total does not fit; PROCESSING_ERROR: not placed in time; REJECTED: an admin failed it',
  example: 'OUT_OF_STOCK',
});

export const OrderItemSchema = Type.Object(
  {
    product_id: Id,
    name: Type.String({ description: 'As it was when the order was placed', example: 'Pour-over kettle' }),
    unit_price: Money('As it was when the order was placed', '39.90'),
    quantity: Type.Integer({ minimum: 1, example: 2 }),
    line_total: Money('unit_price × quantity', '79.80'),
  },
  { $id: 'OrderItem' },
);


export const FailureDetailsSchema = Type.Object(
  { products: Type.Optional(Type.Array(ShortageSchema, { description: 'The lines that could not be served' })) },
  { $id: 'FailureDetails', additionalProperties: true, example: { products: [{ product_id: '7d0e9b0c-3f2a-4a51-9f55-0c1f3b2f6a10', requested: 3, available: 1 }] } },
);

const orderFields = {
  order_id: Id,
  status: Type.Ref(OrderStatusSchema),
  failure_reason: Type.Union([Type.Ref(FailureReasonSchema), Type.Null()], { description: 'Why the order failed; null otherwise' }),
  failure_details: Type.Union([Type.Ref(FailureDetailsSchema), Type.Null()], { description: 'What failed; null unless failed' }),
  contact: Type.String({ example: 'alice@example.com' }),
  address: Type.String({ example: '1 Main Street, Springfield' }),
  total_price: Type.Union([Money('Set when placed', '79.80'), Type.Null()], { description: 'null until placed' }),
  items_count: Type.Union([Type.Integer({ example: 2 }), Type.Null()], { description: 'Sum of the quantities; null until placed' }),
  items: Type.Array(Type.Ref(OrderItemSchema), { description: 'Empty until placed' }),
  created_at: Timestamp,
  updated_at: Timestamp,
};

export const StatusHistoryEntrySchema = Type.Object({ status: Type.Ref(OrderStatusSchema), at: Timestamp }, { $id: 'StatusHistoryEntry' });

export const OrderSchema = Type.Object(
  { ...orderFields, status_history: Type.Array(Type.Ref(StatusHistoryEntrySchema), { description: 'Oldest first' }) },
  { $id: 'Order' },
);

export const OrderSummarySchema = Type.Object(orderFields, { $id: 'OrderSummary', description: 'An order in a list (no history)' });

export const OrderPageSchema = Type.Object(
  { orders: Type.Array(Type.Ref(OrderSummarySchema), { description: 'Newest first' }), next_cursor: NextCursor },
  { $id: 'OrderPage' },
);

export const OrderStatusChangeSchema = StrictObject({ status: Type.Ref(OrderStatusSchema) }, { $id: 'OrderStatusChange' });

export const OrderListQuery = Type.Composite([
  PageQuery,
  Type.Object({ status: Type.Optional(StringEnum(ORDER_STATUSES, { description: 'Only orders in this status' })) }),
]);

export const OrderQuery = Type.Object({
  wait: Type.Integer({
    minimum: 0,
    maximum: 20,
    default: 0,
    description: 'Seconds to hold the answer while the order is pending (long-poll); 0 answers at once',
  }),
});

/** What a 404 and a 409 of an order route mean. */
export const ORDER_NOT_FOUND = 'ORDER_NOT_FOUND: no such order, or not yours to see';
export const INVALID_TRANSITION = 'INVALID_TRANSITION: the order\'s status does not allow this move (current_status in the body)';

export const ORDER_SCHEMAS = [
  OrderStatusSchema,
  FailureReasonSchema,
  OrderItemSchema,
  FailureDetailsSchema,
  StatusHistoryEntrySchema,
  OrderSchema,
  OrderSummarySchema,
  OrderPageSchema,
  OrderStatusChangeSchema,
];
