/**
 * V8 flags every service process runs with (npm start, start:api, start:worker, the Docker image, compose, the
 * bench). A bounded old generation makes V8 collect sooner instead of growing the heap (the live heap is ~35 MB); a
 * young generation of at most 2 × 8 MB, because V8 grows it to its maximum while the modules load and keeps it, idle
 * or not; `--always-sparkplug` compiles each function to baseline code on first use instead of interpreting it until
 * it is hot, so a new process answers its first requests sooner. docs/performance.md has the figures. Keep
 * package.json, the Dockerfile and docker-compose.yml in step (tests/ops/deployment-files.test.ts checks).
 */
export const SERVICE_NODE_FLAGS = ['--max-old-space-size=160', '--max-semi-space-size=8', '--always-sparkplug'];

/**
 * The environment every service process starts with, under the environment it is given (an operator's own value
 * wins): glibc's malloc keeps up to 8 arenas per core, one per thread that allocates at once (the main thread,
 * libuv's pool, V8's compiler and GC helpers), each with its own free memory; 2 hold a few MB less resident memory
 * at no throughput cost measured (docs/performance.md has the figures). glibc reads it once, when the process
 * starts: it cannot be set from inside. Kept in step with package.json and the Dockerfile by
 * tests/ops/deployment-files.test.ts.
 */
export const SERVICE_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '2' };

/** A service process's environment: SERVICE_ENV under `given` (what the operator or the harness sets wins). */
export function serviceEnv<T extends Record<string, string | undefined>>(given: T): T & typeof SERVICE_ENV {
  return { ...SERVICE_ENV, ...given };
}
