export { enrollmentWorkflow } from './enrollment';
