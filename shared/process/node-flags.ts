/**
 * V8 flags every service process runs with (npm start, start:api,
 * start:worker, the Docker image, compose, the bench): a bounded old
 * generation makes V8 collect sooner instead of growing. Measured by
 * `npm run bench`: API peak RSS 252 -> 142 MB, worker 133 -> 122 MB, with add
 * to cart at 0.56 of its floor (0.55 before); a smaller young generation as
 * well (--max-semi-space-size=8) saved another ~15 MB but cost 5-10 % of the
 * throughput. The live heap is ~35 MB, far below the bound. Keep
 * package.json, the Dockerfile and docker-compose.yml in step
 * (tests/ops/deployment-files.test.ts checks).
 */
export const SERVICE_NODE_FLAGS = ['--max-old-space-size=160'];
