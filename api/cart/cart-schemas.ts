import { Type, type Static } from '@sinclair/typebox';
import { MAX_LINE_QUANTITY } from '../../shared/cart/cart-rules';
import { Money, StrictObject, Uuid } from '../http/common-schemas';

const Quantity = Type.Integer({ minimum: 1, maximum: MAX_LINE_QUANTITY });

export const CartLineResponse = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    product_id: Type.String({ format: 'uuid' }),
    name: Type.String(),
    unit_price: Money,
    quantity: Type.Integer(),
    line_total: Money,
  },
);

export const CartResponse = Type.Object({
  items: Type.Array(CartLineResponse),
  items_count: Type.Integer({ description: 'Sum of the quantities' }),
  total_price: Money,
});

export const AddCartItemBody = StrictObject({
  product_id: Uuid,
  quantity: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_LINE_QUANTITY, default: 1 })),
});
export type AddCartItemBody = Static<typeof AddCartItemBody>;

export const UpdateCartItemBody = StrictObject({ quantity: Quantity });
export type UpdateCartItemBody = Static<typeof UpdateCartItemBody>;
