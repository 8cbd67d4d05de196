/**
 * A program's terms that the API's schemas, its commands and its reports share: the kind of credential it leads to,
 * the type of training service it is, and the cmi5 moveOn rule by which xAPI statements complete its enrollments.
 */

/** The kinds of credential a program leads to (programs.credential_type): PIRL 1800 and Open Badges map each. */
export const CREDENTIAL_TYPES = ['occupational_certification', 'occupational_certificate', 'occupational_licensure', 'other'] as const;
export type CredentialType = (typeof CREDENTIAL_TYPES)[number];

/**
 * The type of training service a program is (programs.training_service_type), reported as PIRL 1303 "Type of Training
 * Service #1" for its WIOA participants (the codes: lib/pirl.ts). Every PIRL training service but 00 (no training
 * service: a program is one) and 07 (ABE or ESL not in conjunction with training, funded by Trade Adjustment
 * Assistance only: this platform's PIRL holds WIOA-funded participants only).
 */
export const TRAINING_SERVICE_TYPES = [
  'occupational_skills_training',
  'on_the_job_training',
  'skill_upgrading',
  'entrepreneurial_training',
  'abe_or_esl_with_training',
  'customized_training',
  'prerequisite_training',
  'registered_apprenticeship',
  'youth_occupational_skills_training',
  'other_non_occupational_skills_training',
  'job_readiness_training',
] as const;
export type TrainingServiceType = (typeof TRAINING_SERVICE_TYPES)[number];
/** What a program is unless its creator says otherwise: what the platform reported for every program before. */
export const DEFAULT_TRAINING_SERVICE_TYPE: TrainingServiceType = 'occupational_skills_training';

export const MOVE_ON_RULES = ['Completed', 'Passed', 'CompletedAndPassed', 'CompletedOrPassed'] as const;
export type MoveOn = (typeof MOVE_ON_RULES)[number];
export const DEFAULT_MOVE_ON: MoveOn = 'CompletedOrPassed';

export const XAPI_VERBS = {
  completed: 'http://adlnet.gov/expapi/verbs/completed',
  passed: 'http://adlnet.gov/expapi/verbs/passed',
  failed: 'http://adlnet.gov/expapi/verbs/failed',
} as const;
/** The verbs a moveOn rule looks at. */
export const COUNTING_VERBS: readonly string[] = [XAPI_VERBS.completed, XAPI_VERBS.passed];

/**
 * The statement that satisfies a moveOn rule, from a registration's `completed` and `passed` statements in the
 * order they happened (their timestamp, else when stored): the first of its kind for Completed and Passed, the
 * earlier of the two firsts for CompletedOrPassed, the later one for CompletedAndPassed.
 */
export function satisfyingStatement<S extends { verb: string }>(moveOn: MoveOn, ordered: S[]): S | undefined {
  const completed = ordered.find((s) => s.verb === XAPI_VERBS.completed);
  const passed = ordered.find((s) => s.verb === XAPI_VERBS.passed);
  const position = (s: S | undefined) => (s ? ordered.indexOf(s) : -1);
  switch (moveOn) {
    case 'Completed':
      return completed;
    case 'Passed':
      return passed;
    case 'CompletedOrPassed':
      return [completed, passed].filter(Boolean).sort((a, b) => position(a) - position(b))[0];
    case 'CompletedAndPassed':
      return completed && passed ? (position(completed) > position(passed) ? completed : passed) : undefined;
  }
}
