import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { isUuid } from '../../shared/domain/ids';
import { normalizeMoney } from '../../shared/domain/money';
import { AppError } from '../../shared/errors/error-codes';
import { BEARER, ErrorResponse, IdParams, PageQuery } from '../http/common-schemas';
import { decodeCursor, paginate } from '../http/cursor';
import {
  findProduct,
  insertProduct,
  listActiveProducts,
  updateProduct,
  type ProductChanges,
  type ProductRecord,
} from './product-repository';
import {
  CreateProductBody,
  ProductListResponse,
  ProductResponse,
  UpdateProductBody,
} from './product-schemas';

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
      const { limit, cursor } = request.query;
      const rows = await listActiveProducts(app.db, limit + 1, cursor ? decodeCursor(cursor) : undefined);
      const { page, nextCursor } = paginate(rows, limit);
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
    async (request) => {
      const product = await findProductOrFail(request.params.id);
      if (!product.active) throw productNotFound();
      return toProductJson(product);
    },
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
      const product = await insertProduct({ name, price: normalizeMoney(price), stock, sellerId });
      return reply.code(201).send(toProductJson(product));
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
        ...(price !== undefined && { price: normalizeMoney(price) }),
        ...(stock !== undefined && { stock }),
        ...(stockDelta !== undefined && { stockDelta }),
        ...(active !== undefined && { active }),
        ...(sellerId !== undefined && { sellerId }),
      };
      if (!isUuid(request.params.id)) throw productNotFound();
      const product = await updateProduct(request.params.id, changes).catch((error: { original?: { code?: string } }) => {
        // 23514: CHECK (stock >= 0); 22003: beyond an integer
        if (error.original?.code === '23514' || error.original?.code === '22003') {
          throw new AppError('OUT_OF_STOCK', 'stock_delta would take the stock below zero or beyond its range');
        }
        throw error;
      });
      if (!product) throw productNotFound();
      return toProductJson(product);
    },
  );
};

async function findProductOrFail(id: string): Promise<ProductRecord> {
  const product = isUuid(id) ? await findProduct(id) : null;
  if (!product) throw productNotFound();
  return product;
}

function productNotFound(): AppError {
  return new AppError('PRODUCT_NOT_FOUND', 'Product not found');
}

/** The wire shape of a product. */
export function toProductJson(product: ProductRecord) {
  return {
    id: product.id,
    name: product.name,
    price: product.price,
    stock: product.stock,
    seller_id: product.sellerId,
    active: product.active,
    created_at: product.createdAt.toISOString(),
    updated_at: product.updatedAt.toISOString(),
  };
}
