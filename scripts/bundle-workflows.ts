/** `npm run build`'s last step: bundles the workflows once into dist/workflow-bundle.js (see worker/workflow-bundle.ts). */
import { writeWorkflowBundle } from '../worker/workflow-bundle';

const started = performance.now();
writeWorkflowBundle().then(
  (b) => console.error(`[build] workflow bundle ${(b.bytes / 1024).toFixed(0)} KB in ${Math.round(performance.now() - started)} ms`),
  (err) => {
    console.error('[build] bundling the workflows failed:', err);
    process.exit(1);
  },
);
