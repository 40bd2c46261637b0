import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ProductChanges } from '../../shared/products/product-repository';
import {
  changeProduct,
  createProduct,
  getActiveProduct,
  listProducts,
  productNotFound,
} from '../../shared/products/product-service';
import { Type } from '@sinclair/typebox';
import { BEARER, IdParams, PageQuery, PUBLIC } from '../http/common-schemas';
import { idParam } from '../http/id-param';
import { AUTHENTICATED, errorResponses, INFRASTRUCTURE, WITH_BODY } from '../http/responses';
import { CreateProductRequestSchema, ProductPageSchema, ProductSchema, UpdateProductRequestSchema } from './product-schemas';

const PRODUCT_NOT_FOUND = 'PRODUCT_NOT_FOUND: no such product, or it is inactive';
import { toProductJson } from './product-views';

/** Public catalogue: `GET /api/products`, `GET /api/products/:id`. */
export const productRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/api/products',
    {
      preHandler: app.limits.catalogue,
      schema: {
        operationId: 'listProducts',
        tags: ['products'],
        summary: 'List active products (keyset pagination)',
        security: PUBLIC,
        querystring: PageQuery,
        response: {
          200: Type.Ref(ProductPageSchema, { description: 'One page, in catalogue order' }),
          ...errorResponses({ 400: 'VALIDATION_ERROR: a bad limit or cursor', 429: true, ...INFRASTRUCTURE }),
        },
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
      preHandler: app.limits.catalogue,
      schema: {
        operationId: 'getProduct',
        tags: ['products'],
        summary: 'Get an active product',
        security: PUBLIC,
        params: IdParams,
        response: {
          200: Type.Ref(ProductSchema, { description: 'The product' }),
          ...errorResponses({ 400: true, 404: PRODUCT_NOT_FOUND, 429: true, ...INFRASTRUCTURE }),
        },
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
      preHandler: app.limits.writes,
      schema: {
        operationId: 'createProduct',
        tags: ['admin'],
        summary: 'Create a product',
        security: BEARER,
        body: Type.Ref(CreateProductRequestSchema),
        response: {
          201: Type.Ref(ProductSchema, { description: 'Created' }),
          ...errorResponses({ ...WITH_BODY, ...AUTHENTICATED, 403: 'FORBIDDEN: admins only' }),
        },
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
      preHandler: app.limits.writes,
      schema: {
        operationId: 'updateProduct',
        tags: ['admin'],
        summary: 'Change name, price, stock (absolute, or stock_delta relative), active or seller of a product',
        security: BEARER,
        params: IdParams,
        body: Type.Ref(UpdateProductRequestSchema),
        response: {
          200: Type.Ref(ProductSchema, { description: 'The product as changed' }),
          ...errorResponses({
            ...WITH_BODY,
            ...AUTHENTICATED,
            403: 'FORBIDDEN: admins only',
            404: 'PRODUCT_NOT_FOUND: no such product',
            409: 'OUT_OF_STOCK: stock_delta would take the stock below zero; or STOCK_CHANGED: the stock is no longer expected_stock (current_stock in the body)',
            428: 'PRECONDITION_REQUIRED: an absolute stock without expected_stock (current_stock in the body)',
          }),
        },
      },
    },
    async (request) => {
      const { name, price, stock, stock_delta: stockDelta, expected_stock: expectedStock, active, seller_id: sellerId } = request.body;
      const changes: ProductChanges = {
        ...(name !== undefined && { name }),
        ...(price !== undefined && { price }),
        ...(stock !== undefined && { stock }),
        ...(stockDelta !== undefined && { stockDelta }),
        ...(expectedStock !== undefined && { expectedStock }),
        ...(active !== undefined && { active }),
        ...(sellerId !== undefined && { sellerId }),
      };
      return toProductJson(await changeProduct(app.db, idParam(request.params.id, productNotFound), changes));
    },
  );
};
