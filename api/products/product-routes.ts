import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ProductChanges } from '../../shared/products/product-repository';
import {
  changeProduct,
  createProduct,
  getActiveProduct,
  listProducts,
  productNotFound,
} from '../../shared/products/product-service';
import { BEARER, ErrorResponse, IdParams, PageQuery } from '../http/common-schemas';
import { idParam } from '../http/id-param';
import { CreateProductBody, ProductListResponse, ProductResponse, UpdateProductBody } from './product-schemas';
import { toProductJson } from './product-views';

/** Public catalogue: `GET /api/products`, `GET /api/products/:id`. */
export const productRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/api/products',
    {
      schema: {
        tags: ['products'],
        summary: 'List active products (keyset pagination)',
        querystring: PageQuery,
        response: { 200: ProductListResponse, 400: ErrorResponse },
      },
    },
    async (request) => {
      const { page, nextCursor } = await listProducts(app.db, request.query);
      return { products: page.map(toProductJson), next_cursor: nextCursor };
    },
  );

  app.get(
    '/api/products/:id',
    {
      schema: {
        tags: ['products'],
        summary: 'Get an active product',
        params: IdParams,
        response: { 200: ProductResponse, 404: ErrorResponse },
      },
    },
    async (request) => toProductJson(await getActiveProduct(app.db, idParam(request.params.id, productNotFound))),
  );
};

/** Admin catalogue management: `POST /api/admin/products`, `PATCH /api/admin/products/:id`. */
export const adminProductRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.authenticate);
  app.addHook('onRequest', app.requireRole('admin'));

  app.post(
    '/api/admin/products',
    {
      schema: {
        tags: ['admin'],
        summary: 'Create a product',
        security: BEARER,
        body: CreateProductBody,
        response: { 201: ProductResponse, 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse },
      },
    },
    async (request, reply) => {
      const { name, price, stock, seller_id: sellerId = null } = request.body;
      return reply.code(201).send(toProductJson(await createProduct(app.db, { name, price, stock, sellerId })));
    },
  );

  app.patch(
    '/api/admin/products/:id',
    {
      schema: {
        tags: ['admin'],
        summary: 'Change name, price, stock (absolute, or stock_delta relative), active or seller of a product',
        security: BEARER,
        params: IdParams,
        body: UpdateProductBody,
        response: { 200: ProductResponse, 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse },
      },
    },
    async (request) => {
      const { name, price, stock, stock_delta: stockDelta, active, seller_id: sellerId } = request.body;
      const changes: ProductChanges = {
        ...(name !== undefined && { name }),
        ...(price !== undefined && { price }),
        ...(stock !== undefined && { stock }),
        ...(stockDelta !== undefined && { stockDelta }),
        ...(active !== undefined && { active }),
        ...(sellerId !== undefined && { sellerId }),
      };
      return toProductJson(await changeProduct(app.db, idParam(request.params.id, productNotFound), changes));
    },
  );
};
