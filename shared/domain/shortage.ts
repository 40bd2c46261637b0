import { Type, type Static } from '@sinclair/typebox';

/**
 * A cart line an order could not be served: how many units were asked for and how many there were. The one shape of
 * it — in an order's failure details, in the `order.failed` event and in the API's answers.
 */
export const ShortageSchema = Type.Object({
  product_id: Type.String({ format: 'uuid', description: 'the product' }),
  requested: Type.Integer({ minimum: 1, description: 'units the cart line asked for' }),
  available: Type.Integer({ minimum: 0, description: 'units in stock (0: the product is gone or no longer sold)' }),
});

export type Shortage = Static<typeof ShortageSchema>;
