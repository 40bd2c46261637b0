/**
 * V8 flags every service process runs with (npm start, start:api,
 * start:worker, the Docker image, compose, the bench): a bounded old
 * generation makes V8 collect sooner instead of growing (API peak RSS in
 * `npm run bench` 252 -> 142 MB), and a young generation of at most 2 x 8 MB
 * instead of 2 x 16 MB (V8 grows it to the maximum while the modules load, so
 * it was 32 MB of every process, idle or not): API peak 144-146 -> 124-130 MB
 * under the order-poll and end-to-end loads, with the same throughput (end to
 * end 401-417 placed/s against 300-403 without it, order poll within the
 * noise). The live heap is ~35 MB, far below either bound.
 *
 * `--always-sparkplug` compiles every function to Sparkplug's baseline code
 * on first use instead of interpreting it until it is hot: what a new process
 * meets first. Checkout 202 p99 at 100/s in the first 5 s of a new API and
 * worker: 34-83 ms without it, 29-40 ms with it (4 runs each, one after the
 * other); API peak RSS +3-7 MB. Keep package.json,
 * the Dockerfile and docker-compose.yml in step
 * (tests/ops/deployment-files.test.ts checks).
 */
export const SERVICE_NODE_FLAGS = ['--max-old-space-size=160', '--max-semi-space-size=8', '--always-sparkplug'];
