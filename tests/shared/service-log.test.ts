import { spawnSync } from 'node:child_process';
import path from 'node:path';

const LOGGER = path.resolve(__dirname, '../../shared/logging/logger.ts');

/**
 * A service process's log lines are written asynchronously (serviceLogDestination): what is still buffered when the
 * process ends — an exit in the middle of a burst, or a crash — is written before it goes.
 */
describe('service log destination', () => {
  const run = (ending: string, destination = 'serviceLogDestination()') =>
    spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        `const { createLogger, serviceLogDestination } = require(${JSON.stringify(LOGGER)});
         const log = createLogger({ LOG_LEVEL: 'info' }, 'log-test', ${destination});
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

  it('drops what a reader that falls behind would make it hold past its bound, and says so on standard error', () => {
    // 5,000 lines logged in one go while the first write is under way: most of them wait in the buffer
    const { stdout, stderr, status } = run('process.exit(0);', 'serviceLogDestination({ maxBufferedBytes: 64 * 1024 })');
    expect(status).toBe(0);
    const written = numbers(stdout);
    expect(written.length).toBeGreaterThan(0);
    expect(written.length).toBeLessThan(5000);
    expect(written).toEqual([...written].sort((a, b) => a - b));
    expect(stderr).toMatch(/^1 log line\(s\) dropped: standard output is not read as fast as the process logs$/m);
  });

  it('writes every line when the process crashes', () => {
    const { stdout, status } = run("setImmediate(() => { throw new Error('crash'); });");
    expect(status).toBe(1);
    expect(numbers(stdout)).toEqual(all);
  });
});
