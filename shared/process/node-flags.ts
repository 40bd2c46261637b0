/**
 * V8 flags every service process runs with (npm start, start:api,
 * start:worker, the Docker image, compose, the bench): a bounded old
 * generation and a smaller young one make V8 collect sooner instead of
 * growing. Measured under 50 connections of order polls: peak RSS 180 -> 126
 * MB, throughput within the run-to-run noise. The live heap is ~35 MB, far
 * below the bound. Keep package.json, the Dockerfile and docker-compose.yml
 * in step (tests/ops/deployment-files.test.ts checks).
 */
export const SERVICE_NODE_FLAGS = ['--max-old-space-size=160', '--max-semi-space-size=8'];
