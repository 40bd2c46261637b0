import { prepareDatabase } from '../../shared/db/migrate';
import { databaseUrl } from './test-database';

/**
 * Migrates one template database for this run; each test file clones it
 * (CREATE DATABASE … TEMPLATE), so files run in parallel on separate data.
 */
export default async function globalSetup(): Promise<void> {
  const run = `checkout_test_${process.pid}`;
  process.env.CHECKOUT_TEST_RUN = run;
  const url = databaseUrl(`${run}_template`);
  await prepareDatabase(url);
}
