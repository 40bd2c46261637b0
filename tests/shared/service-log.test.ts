import { spawnSync } from 'node:child_process';
import path from 'node:path';

const LOGGER = path.resolve(__dirname, '../../shared/logging/logger.ts');

/**
 * A service process's log lines are written asynchronously (serviceLogDestination): what is still buffered when the
 * process ends — an exit in the middle of a burst, or a crash — is written before it goes.
 */
describe('service log destination', () => {
  const run = (ending: string) =>
    spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        `const { createLogger, serviceLogDestination } = require(${JSON.stringify(LOGGER)});
         const log = createLogger({ LOG_LEVEL: 'info' }, 'log-test', serviceLogDestination());
         for (let i = 0; i < 5000; i += 1) log.info({ i }, 'line');
         ${ending}`,
      ],
      { encoding: 'utf8', timeout: 60_000 },
    );
  const numbers = (stdout: string) =>
    stdout
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { i: number }).i);
  const all = Array.from({ length: 5000 }, (_, i) => i);

  it('writes every line, in order, when the process exits right after a burst', () => {
    const { stdout, status } = run('process.exit(0);');
    expect(status).toBe(0);
    expect(numbers(stdout)).toEqual(all);
  });

  it('writes every line when the process crashes', () => {
    const { stdout, status } = run("setImmediate(() => { throw new Error('crash'); });");
    expect(status).toBe(1);
    expect(numbers(stdout)).toEqual(all);
  });
});
