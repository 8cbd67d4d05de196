export { enrollmentWorkflow } from './enrollment';
export { reviewDigestsWorkflow } from './review-digests';
export { webhookDeliveryWorkflow, webhookSweepWorkflow } from './webhook-delivery';
export { dataExportWorkflow, erasureWorkflow } from './privacy';
export { retentionWorkflow } from './retention';
