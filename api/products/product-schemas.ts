import { Type, type Static } from '@sinclair/typebox';
import { PRICE_PATTERN } from '../../shared/domain/money';
import { Money, NextCursor, SingleLine, StrictObject, Timestamp } from '../http/common-schemas';

const Name = SingleLine({ minLength: 1, maxLength: 200 });
const Price = Type.String({
  pattern: PRICE_PATTERN,
  description: 'Decimal string, at most two places, greater than zero',
  examples: ['19.99'],
});
const Stock = Type.Integer({ minimum: 0, maximum: 2_147_483_647 });
const SellerId = SingleLine({ minLength: 1, maxLength: 255 });

export const ProductResponse = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    name: Type.String(),
    price: Money,
    stock: Type.Integer(),
    seller_id: Type.Union([Type.String(), Type.Null()]),
    active: Type.Boolean(),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
);

export const ProductListResponse = Type.Object({
  products: Type.Array(ProductResponse),
  next_cursor: NextCursor,
});

export const CreateProductBody = StrictObject({
  name: Name,
  price: Price,
  stock: Stock,
  seller_id: Type.Optional(Type.Union([SellerId, Type.Null()])),
});
export type CreateProductBody = Static<typeof CreateProductBody>;

export const UpdateProductBody = StrictObject(
  {
    name: Type.Optional(Name),
    price: Type.Optional(Price),
    stock: Type.Optional(Stock),
    stock_delta: Type.Optional(
      Type.Integer({
        minimum: -2_147_483_647,
        maximum: 2_147_483_647,
        description: 'Add to (or, negative, take from) the current stock atomically; not together with stock',
      }),
    ),
    active: Type.Optional(Type.Boolean()),
    seller_id: Type.Optional(Type.Union([SellerId, Type.Null()])),
  },
  { minProperties: 1, not: { required: ['stock', 'stock_delta'] } },
);
export type UpdateProductBody = Static<typeof UpdateProductBody>;
