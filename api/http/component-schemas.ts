import { CART_SCHEMAS } from '../cart/cart-schemas';
import { CHECKOUT_SCHEMAS } from '../checkout/checkout-schemas';
import { HEALTH_SCHEMAS } from '../health/health-routes';
import { ORDER_SCHEMAS } from '../orders/order-schemas';
import { PRODUCT_SCHEMAS } from '../products/product-schemas';
import { ErrorSchema } from './common-schemas';

/**
 * Every named schema (`$id`): registered once with Fastify (responses,
 * OpenAPI `components.schemas`) and with the validators (request bodies), so
 * routes refer to them with `Type.Ref` and generated clients get one type each.
 */
export const COMPONENT_SCHEMAS = [ErrorSchema, ...PRODUCT_SCHEMAS, ...CART_SCHEMAS, ...CHECKOUT_SCHEMAS, ...ORDER_SCHEMAS, ...HEALTH_SCHEMAS];
