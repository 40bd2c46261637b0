import { Type, type Static } from '@sinclair/typebox';
import { MultiLine, SingleLine, StrictObject } from '../http/common-schemas';

export const CheckoutBody = StrictObject({
  contact: SingleLine({ minLength: 3, maxLength: 200 }),
  address: MultiLine({ minLength: 5, maxLength: 1000 }),
});
export type CheckoutBody = Static<typeof CheckoutBody>;

export const CheckoutHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({ minLength: 1, maxLength: 255, pattern: '^[\\x20-\\x7E]+$', description: '1..255 printable characters' }),
  ),
});

export const CheckoutAccepted = Type.Object({
  order_id: Type.String({ format: 'uuid' }),
  status: Type.Literal('pending'),
  status_url: Type.String({ examples: ['/api/orders/0b6f…'] }),
});
