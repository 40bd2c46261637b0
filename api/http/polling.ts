/** Seconds a client should wait before polling a pending order again (`Retry-After`). */
export const POLL_AFTER_SECONDS = 1;
