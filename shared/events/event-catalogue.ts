import { Type, type Static, type TObject, type TSchema } from '@sinclair/typebox';
import { FAILURE_REASONS, ORDER_STATUSES } from '../domain/order-status';
import { ShortageSchema as Shortage } from '../domain/shortage';
import { StringEnum } from '../schemas/string-enum';

/**
 * The ML event catalogue: one TypeBox schema per event type. The single
 * source of the TypeScript types, of the validation in tests and of
 * docs/events.md. Adding a field is compatible; removing or retyping one
 * means a new `version`.
 *
 * Who builds each: the `order.*` events are built in TypeScript from these
 * types (shared/orders/order-events.ts) and handed to the statement that moves
 * the order. `cart.*` and `checkout.requested` are built by the statement that
 * makes the change, because their data is that statement's own reads (the
 * merged line, the cart at current prices): TypeScript would know it only a
 * round trip later. tests/events/event-envelopes.test.ts checks every type
 * against its schema.
 */
const Money = Type.String({ pattern: '^[0-9]+\\.[0-9]{2}$', description: 'decimal string, two places' });
const Id = (description: string) => Type.String({ format: 'uuid', description });
const ProductId = Id('the product');
const OrderId = Id('the order (as in /api/orders/:id)');

const CartLineChange = Type.Object({
  product_id: ProductId,
  quantity: Type.Integer({ minimum: 1, description: 'units added or removed by this change' }),
  line_quantity: Type.Integer({ minimum: 0, description: 'units on the cart line after the change' }),
  unit_price: Money,
});


export const EVENT_DATA = {
  'cart.item_added': CartLineChange,
  'cart.item_removed': CartLineChange,
  'checkout.requested': Type.Object({
    order_id: OrderId,
    items_count: Type.Integer({ minimum: 1, description: 'units in the cart when checkout was requested' }),
    total_price: Money,
  }),
  'order.placed': Type.Object({
    order_id: OrderId,
    total_price: Money,
    items_count: Type.Integer({ minimum: 1, description: 'sum of the quantities' }),
    items: Type.Array(Type.Object({ product_id: ProductId, quantity: Type.Integer({ minimum: 1 }), unit_price: Money }), {
      minItems: 1,
      description: 'what was sold, at the unit price of the moment of placement',
    }),
  }),
  'order.failed': Type.Object({
    order_id: OrderId,
    failure_reason: StringEnum(FAILURE_REASONS),
    products: Type.Array(Shortage, { description: 'the lines that could not be served (empty for other reasons)' }),
  }),
  'order.cancelled': Type.Object({
    order_id: OrderId,
    previous_status: StringEnum(ORDER_STATUSES, { description: 'pending (nothing was sold) or placed (stock given back)' }),
    total_price: Type.Union([Money, Type.Null()], { description: 'null when cancelled while pending' }),
    items_count: Type.Union([Type.Integer(), Type.Null()], { description: 'null when cancelled while pending' }),
  }),
  'order.shipped': Type.Object({ order_id: OrderId }),
  'order.delivered': Type.Object({ order_id: OrderId }),
} satisfies Record<string, TObject>;

export type EventType = keyof typeof EVENT_DATA;
export const EVENT_TYPES = Object.keys(EVENT_DATA) as EventType[];
export type EventData<T extends EventType> = Static<(typeof EVENT_DATA)[T]>;

/** Current version of every event type's `data`. */
export const EVENT_VERSION = 1;

function envelope<T extends EventType>(type: T) {
  return Type.Object(
    {
      event_id: Id('unique per event: the de-duplication key'),
      type: Type.Literal(type),
      version: Type.Literal(EVENT_VERSION),
      occurred_at: Type.String({ format: 'date-time' }),
      user_id: Type.String({ minLength: 1 }),
      data: EVENT_DATA[type] as TSchema as (typeof EVENT_DATA)[T],
    },
    { additionalProperties: false },
  );
}

/** Every envelope, keyed by type. */
export const EVENT_SCHEMAS = Object.fromEntries(EVENT_TYPES.map((type) => [type, envelope(type)])) as {
  [T in EventType]: ReturnType<typeof envelope<T>>;
};

/** Any ML event, as published in the stream entry's `event` field. */
export type MlEvent = { [T in EventType]: Static<ReturnType<typeof envelope<T>>> }[EventType];
