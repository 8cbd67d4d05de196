import { DefaultLogger, makeTelemetryFilterString, Runtime } from '@temporalio/worker';

// Workers in tests log only warnings of the SDK and errors of its core; test output stays readable.
Runtime.install({
  logger: new DefaultLogger('WARN'),
  telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'ERROR' }) } },
});
