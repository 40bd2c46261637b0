import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { cartLineNotFound } from '../../shared/cart/cart-rules';
import { addToCart, changeQuantity, removeFromCart, viewCart } from '../../shared/cart/cart-service';
import { BEARER, ErrorResponse, IdParams } from '../http/common-schemas';
import { idParam } from '../http/id-param';
import { AddCartItemBody, CartLineResponse, CartResponse, UpdateCartItemBody } from './cart-schemas';
import { toCartJson, toCartLineJson } from './cart-views';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse, 422: ErrorResponse };

/** The caller's cart: the temporary staging area that checkout turns into an order. */
export const cartRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.authenticate);

  app.get(
    '/api/cart',
    { schema: { tags: ['cart'], summary: 'The cart at current prices', security: BEARER, response: { 200: CartResponse } } },
    async (request) => toCartJson(await viewCart(app.db, request.user.id)),
  );

  app.post(
    '/api/cart',
    {
      schema: {
        tags: ['cart'],
        summary: 'Add a product (merges into its existing line: 200 instead of 201)',
        security: BEARER,
        body: AddCartItemBody,
        response: { 200: CartLineResponse, 201: CartLineResponse, ...errors },
      },
    },
    async (request, reply) => {
      const { product_id: productId, quantity = 1 } = request.body;
      const { line, created } = await addToCart(app.db, request.user.id, productId, quantity);
      return reply.code(created ? 201 : 200).send(toCartLineJson(line));
    },
  );

  app.patch(
    '/api/cart/:id',
    {
      schema: {
        tags: ['cart'],
        summary: "Set a line's quantity",
        security: BEARER,
        params: IdParams,
        body: UpdateCartItemBody,
        response: { 200: CartLineResponse, ...errors },
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
      schema: {
        tags: ['cart'],
        summary: 'Remove a line',
        security: BEARER,
        params: IdParams,
        response: { 204: { type: 'null', description: 'Removed' }, ...errors },
      },
    },
    async (request, reply) => {
      await removeFromCart(app.db, request.user.id, idParam(request.params.id, cartLineNotFound));
      return reply.code(204).send();
    },
  );
};
