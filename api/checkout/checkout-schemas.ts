import { Type } from '@sinclair/typebox';
import { Id, MultiLine, SingleLine, StrictObject } from '../http/common-schemas';

export const CheckoutRequestSchema = StrictObject(
  {
    contact: SingleLine({ minLength: 3, maxLength: 200, description: 'Email or phone', example: 'alice@example.com' }),
    address: MultiLine({ minLength: 5, maxLength: 1000, description: 'Delivery address', example: '1 Main Street, Springfield' }),
  },
  { $id: 'CheckoutRequest' },
);

export const CheckoutHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 255,
      pattern: '^[\\x20-\\x7E]+$',
      description: 'A fresh key per checkout attempt (1..255 printable characters); send the same key when retrying that attempt',
      example: '4f1d9a2c-checkout-1',
    }),
  ),
});

export const CheckoutAcceptedSchema = Type.Object(
  {
    order_id: Id,
    status: Type.Literal('pending'),
    status_url: Type.String({ description: 'Poll it (also the Location header)', example: '/api/orders/0b6f2c1e-5d4a-4c3b-8a29-1e7f6d5c4b3a' }),
  },
  { $id: 'CheckoutAccepted' },
);

export const CHECKOUT_SCHEMAS = [CheckoutRequestSchema, CheckoutAcceptedSchema];
