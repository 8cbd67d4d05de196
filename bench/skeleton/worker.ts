/**
 * The bare skeleton's worker, in a process of its own like the platform's worker (so neither side shares its event
 * loop with the benchmark's client). Started by bench/harness.ts `startSkeletonWorker`:
 *
 *   node dist/bench/skeleton/worker.js <temporal address> <task queue> <workflows|latency>
 *
 * Prints "ready" once polling; SIGTERM stops it after in-flight tasks.
 */
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';

async function main(): Promise<void> {
  const [address, taskQueue, module] = process.argv.slice(2);
  if (!address || !taskQueue || !['workflows', 'latency'].includes(module)) {
    throw new Error('usage: worker.js <temporal address> <task queue> <workflows|latency>');
  }
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const workflowBundle = await bundleWorkflowCode({ workflowsPath: require.resolve(`./${module}`), logger: new DefaultLogger('WARN') });
  const connection = await NativeConnection.connect({ address });
  const worker = await Worker.create({
    connection,
    namespace: 'default',
    taskQueue,
    workflowBundle,
    activities: { noop: () => Promise.resolve(undefined) },
  });
  const running = worker.run();
  console.log('ready');
  await running;
  await connection.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
