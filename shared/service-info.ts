import { version } from '../package.json';

/** Reported by `GET /` and the logs. */
export const SERVICE_VERSION: string = version;
