export { enrollmentWorkflow } from './enrollment';
export { reviewDigestsWorkflow } from './review-digests';
