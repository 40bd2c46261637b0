import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { cartLineNotFound } from '../../shared/cart/cart-rules';
import { addToCart, changeQuantity, removeFromCart, viewCart } from '../../shared/cart/cart-service';
import { BEARER, IdParams } from '../http/common-schemas';
import { idParam } from '../http/id-param';
import { AUTHENTICATED, errorResponses, WITH_BODY } from '../http/responses';
import { AddCartItemRequestSchema, CartLineSchema, CartSchema, UpdateCartItemRequestSchema } from './cart-schemas';
import { toCartJson, toCartLineJson } from './cart-views';
import type { Config } from '../../shared/config/config-schema';

const CHECKOUT_IN_PROGRESS = 'CHECKOUT_IN_PROGRESS: the cart is being turned into an order (order_id and status_url in the body)';
const LINE_NOT_FOUND = 'CART_ITEM_NOT_FOUND: no such line in your cart';

/** The caller's cart: the temporary staging area that checkout turns into an order. */
export const cartRoutes: FastifyPluginAsyncTypebox<{ config: Config }> = async (app, { config }) => {
  const limits = { maxLines: config.CART_MAX_LINES };
  app.addHook('onRequest', app.authenticate);

  app.get(
    '/api/cart',
    {
      preHandler: app.limits.reads,
      schema: {
        operationId: 'getCart',
        tags: ['cart'],
        summary: 'The cart at current prices',
        security: BEARER,
        response: { 200: Type.Ref(CartSchema, { description: 'The cart' }), ...errorResponses({ ...AUTHENTICATED }) },
      },
    },
    async (request) => toCartJson(await viewCart(app.db, request.user.id)),
  );

  app.post(
    '/api/cart',
    {
      preHandler: app.limits.cartWrites,
      schema: {
        operationId: 'addCartItem',
        tags: ['cart'],
        summary: 'Add a product (merges into its existing line: 200 instead of 201)',
        security: BEARER,
        body: Type.Ref(AddCartItemRequestSchema),
        response: {
          200: Type.Ref(CartLineSchema, { description: 'Added to the existing line of that product' }),
          201: Type.Ref(CartLineSchema, { description: 'A new line' }),
          ...errorResponses({
            ...WITH_BODY,
            ...AUTHENTICATED,
            404: 'PRODUCT_NOT_FOUND: unknown or inactive product',
            409: `OUT_OF_STOCK: the line would hold more than the stock (available in the body); or ${CHECKOUT_IN_PROGRESS}`,
            422: 'CART_LINE_LIMIT: the line would hold more than 99 units; or CART_TOO_LARGE: the cart holds as many products as it may',
          }),
        },
      },
    },
    async (request, reply) => {
      const { product_id: productId, quantity = 1 } = request.body;
      const { line, created } = await addToCart(app.db, request.user.id, productId, quantity, limits);
      return reply.code(created ? 201 : 200).send(toCartLineJson(line));
    },
  );

  app.patch(
    '/api/cart/:id',
    {
      preHandler: app.limits.cartWrites,
      schema: {
        operationId: 'updateCartItem',
        tags: ['cart'],
        summary: "Set a line's quantity",
        security: BEARER,
        params: IdParams,
        body: Type.Ref(UpdateCartItemRequestSchema),
        response: {
          200: Type.Ref(CartLineSchema, { description: 'The line as changed' }),
          ...errorResponses({
            ...WITH_BODY,
            ...AUTHENTICATED,
            404: `${LINE_NOT_FOUND}; or PRODUCT_NOT_FOUND: its product is no longer sold`,
            409: `OUT_OF_STOCK: more than the stock; or ${CHECKOUT_IN_PROGRESS}`,
          }),
        },
      },
    },
    async (request) =>
      toCartLineJson(
        await changeQuantity(app.db, request.user.id, idParam(request.params.id, cartLineNotFound), request.body.quantity),
      ),
  );

  app.delete(
    '/api/cart/:id',
    {
      preHandler: app.limits.cartWrites,
      schema: {
        operationId: 'removeCartItem',
        tags: ['cart'],
        summary: 'Remove a line',
        security: BEARER,
        params: IdParams,
        response: {
          204: Type.Null({ description: 'Removed' }),
          ...errorResponses({ 400: true, ...AUTHENTICATED, 404: LINE_NOT_FOUND, 409: CHECKOUT_IN_PROGRESS }),
        },
      },
    },
    async (request, reply) => {
      await removeFromCart(app.db, request.user.id, idParam(request.params.id, cartLineNotFound));
      return reply.code(204).send(null);
    },
  );
};
