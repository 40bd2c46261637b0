import { Type } from '@sinclair/typebox';
import { FAILURE_REASONS, ORDER_STATUSES } from '../../shared/domain/order-status';
import { StringEnum } from '../../shared/schemas/string-enum';
import { Money, NextCursor, PageQuery, Timestamp } from '../http/common-schemas';

export const OrderStatusSchema = StringEnum(ORDER_STATUSES);

const OrderItem = Type.Object({
  product_id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  unit_price: Money,
  quantity: Type.Integer(),
  line_total: Money,
});

const orderFields = {
  order_id: Type.String({ format: 'uuid' }),
  status: OrderStatusSchema,
  failure_reason: Type.Union([StringEnum(FAILURE_REASONS), Type.Null()], { description: 'Why the order failed; null otherwise' }),
  failure_details: Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()], {
    description: 'e.g. {"products": [{"product_id", "requested", "available"}]}',
  }),
  contact: Type.String(),
  address: Type.String(),
  total_price: Type.Union([Money, Type.Null()], { description: 'null until placed' }),
  items_count: Type.Union([Type.Integer(), Type.Null()], { description: 'null until placed' }),
  items: Type.Array(OrderItem),
  created_at: Timestamp,
  updated_at: Timestamp,
};

export const OrderResponse = Type.Object({
  ...orderFields,
  status_history: Type.Array(Type.Object({ status: OrderStatusSchema, at: Timestamp })),
});

export const OrderSummary = Type.Object(orderFields);

export const OrderListResponse = Type.Object({ orders: Type.Array(OrderSummary), next_cursor: NextCursor });

export const OrderListQuery = Type.Composite([PageQuery, Type.Object({ status: Type.Optional(OrderStatusSchema) })]);

export const OrderQuery = Type.Object({
  wait: Type.Integer({
    minimum: 0,
    maximum: 20,
    default: 0,
    description: 'Seconds to hold the answer while the order is pending (long-poll)',
  }),
});
