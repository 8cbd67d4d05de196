import { DefaultLogger, makeTelemetryFilterString, Runtime } from '@temporalio/worker';

/** Said by every activity-only worker (interactive and partner queues) at start: expected, not worth a line. */
const EXPECTED = 'No workflows registered, not polling for workflow tasks';

// Workers in tests log only warnings of the SDK and errors of its core; test output stays readable.
const warnings = new DefaultLogger('WARN', (entry) => {
  if (entry.message !== EXPECTED) console.error(`[${entry.level}] ${entry.message}`, entry.meta ?? '');
});
Runtime.install({
  logger: warnings,
  telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'ERROR' }) } },
});
