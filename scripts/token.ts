import { parseArgs } from 'node:util';
import { isRole } from '../shared/auth/roles';
import { signToken } from '../shared/auth/token-verifier';
import { loadConfig } from '../shared/config/load-config';

/** `npm run token -- --sub alice [--role admin] [--ttl 1h]`: prints a development JWT for curl. */
function main(): void {
  const { values } = parseArgs({
    options: {
      sub: { type: 'string' },
      role: { type: 'string', default: 'customer' },
      ttl: { type: 'string', default: '1h' },
    },
  });
  if (!values.sub) throw new Error('usage: npm run token -- --sub <user id> [--role customer|seller|admin] [--ttl 1h]');
  if (!isRole(values.role)) throw new Error(`unknown role "${values.role}": customer, seller or admin`);
  const config = loadConfig(process.env, () => undefined);
  const token = signToken(
    { secret: config.JWT_SECRET, issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE },
    { sub: values.sub, role: values.role },
    values.ttl as `${number}h`,
  );
  process.stdout.write(`${token}\n`);
}

try {
  main();
} catch (error) {
  console.error((error as Error).message);
  process.exitCode = 1;
}
