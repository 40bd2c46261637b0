import { Type } from '@sinclair/typebox';
import { PRICE_PATTERN } from '../../shared/domain/money';
import { Id, Money, NextCursor, SingleLine, StrictObject, Timestamp } from '../http/common-schemas';

const Name = SingleLine({ minLength: 1, maxLength: 200, example: 'Pour-over kettle' });
const Price = Type.String({
  pattern: PRICE_PATTERN,
  description: 'Decimal string, at most two places, greater than zero',
  example: '39.90',
});
const Stock = Type.Integer({ minimum: 0, maximum: 2_147_483_647, example: 25 });
const SellerId = SingleLine({ minLength: 1, maxLength: 255, example: 'seller-1' });

export const ProductSchema = Type.Object(
  {
    id: Id,
    name: Type.String({ example: 'Pour-over kettle' }),
    price: Money('Unit price: decimal string, two places', '39.90'),
    stock: Type.Integer({ description: 'Units available now', example: 25 }),
    seller_id: Type.Union([Type.String(), Type.Null()], { example: 'seller-1' }),
    active: Type.Boolean({ description: 'Inactive products are hidden from the catalogue and cannot be added' }),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { $id: 'Product' },
);

export const ProductPageSchema = Type.Object(
  { products: Type.Array(Type.Ref(ProductSchema)), next_cursor: NextCursor },
  { $id: 'ProductPage' },
);

export const CreateProductRequestSchema = StrictObject(
  {
    name: Name,
    price: Price,
    stock: Stock,
    seller_id: Type.Optional(Type.Union([SellerId, Type.Null()])),
  },
  { $id: 'CreateProductRequest' },
);

export const UpdateProductRequestSchema = StrictObject(
  {
    name: Type.Optional(Name),
    price: Type.Optional(Price),
    stock: Type.Optional({ ...Stock, description: 'The new absolute stock (a stock count): needs expected_stock' }),
    stock_delta: Type.Optional(
      Type.Integer({
        minimum: -2_147_483_647,
        maximum: 2_147_483_647,
        description: 'Add to (or, negative, take from) the current stock atomically; not together with stock',
        example: -2,
      }),
    ),
    expected_stock: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 2_147_483_647,
        description: 'Required with `stock`: the stock you saw; the change applies only if it is still that (else 409 STOCK_CHANGED)',
        example: 25,
      }),
    ),
    active: Type.Optional(Type.Boolean()),
    seller_id: Type.Optional(Type.Union([SellerId, Type.Null()])),
  },
  {
    $id: 'UpdateProductRequest',
    minProperties: 1,
    // stock and stock_delta exclude each other
    not: { properties: { stock: {}, stock_delta: {} }, required: ['stock', 'stock_delta'] },
  },
);

export const PRODUCT_SCHEMAS = [ProductSchema, ProductPageSchema, CreateProductRequestSchema, UpdateProductRequestSchema];
