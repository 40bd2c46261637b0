import { Type } from '@sinclair/typebox';
import { MAX_LINE_QUANTITY } from '../../shared/cart/cart-rules';
import { Id, Money, StrictObject, Uuid } from '../http/common-schemas';

export const CartLineSchema = Type.Object(
  {
    id: Id,
    product_id: Id,
    name: Type.String({ example: 'Pour-over kettle' }),
    unit_price: Money('The product price now', '39.90'),
    quantity: Type.Integer({ minimum: 1, maximum: MAX_LINE_QUANTITY, example: 2 }),
    line_total: Money('unit_price × quantity', '79.80'),
  },
  { $id: 'CartLine' },
);

export const CartSchema = Type.Object(
  {
    items: Type.Array(Type.Ref(CartLineSchema), { description: 'Oldest line first' }),
    items_count: Type.Integer({ description: 'Sum of the quantities', example: 3 }),
    total_price: Money('At current prices; the order is priced again when it is placed', '87.30'),
  },
  { $id: 'Cart' },
);

export const AddCartItemRequestSchema = StrictObject(
  {
    product_id: Uuid,
    quantity: Type.Optional(
      Type.Integer({ minimum: 1, maximum: MAX_LINE_QUANTITY, default: 1, description: 'Added to the line if the product is in the cart', example: 2 }),
    ),
  },
  { $id: 'AddCartItemRequest' },
);

export const UpdateCartItemRequestSchema = StrictObject(
  { quantity: Type.Integer({ minimum: 1, maximum: MAX_LINE_QUANTITY, description: 'The line\'s new quantity', example: 1 }) },
  { $id: 'UpdateCartItemRequest' },
);

export const CART_SCHEMAS = [CartLineSchema, CartSchema, AddCartItemRequestSchema, UpdateCartItemRequestSchema];
