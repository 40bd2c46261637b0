export * from './checkout-client';
export type { components, operations, paths } from './api-types';
