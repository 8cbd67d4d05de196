/**
 * The WIOA participant record as DOL's Participant Individual Record Layout (PIRL) lays it out, and the edit checks the
 * export runs on each record. Every element the export writes carries its source (`source`, the keys of PIRL_SOURCES)
 * and whether its number, name, format and code values were read in DOL's own text (`confirmed: 'dol'`) or only in
 * public state/grantee PIRL tooling (`confirmed: 'third-party'`). The stored copies of DOL's layout the search tool
 * reaches hold only its opening rows (SECTION A.01, Identifying Data); what lies deeper is corroborated elsewhere and
 * must be checked against the current ETA-9172 on https://www.dol.gov/agencies/eta/performance before a state
 * submission.
 */
import type { CredentialType, TrainingServiceType } from './program-rules';

/** Where each element was read (looked up 2026-11-25 and 2026-11-30 with the search tool; stored copies, not live pages). */
export const PIRL_SOURCES = {
  /**
   * ETA-9172, the DOL-only PIRL, OMB Control Number 1205-0521, "Expiration Date: 06-30-2024" edition, as filed with
   * ICR 202411-1205-002: http://www.m.omb.report/icr/202411-1205-002/doc/148716700 (the same rows in ICR
   * 202111-1205-002, http://www.m.omb.report/icr/202111-1205-002/doc/116835400, and in the 06-30-2023 edition,
   * https://omb.report/icr/202112-1205-003/doc/116858601). Read there, SECTION A.01 - IDENTIFYING DATA, in this order:
   * "N/A | OBS Number | IN 9 | Record a unique nine integer number for each record to support processing. |
   * 000000000 (No hyphens)", required (R) for every program including WIOA Adults and Dislocated Workers; then
   * "100 | Unique Individual Identifier (WIOA) | AN 12 | … this identifier for a person must be the same for each
   * program entry and exit … cannot contain a social security number. | XXXXXXXXXXXX".
   */
  'ETA-9172': 'ETA-9172 DOL-only PIRL, OMB 1205-0521 (exp. 06-30-2024), http://www.m.omb.report/icr/202411-1205-002/doc/148716700',
  /**
   * ETA-9170, the Joint (WIOA) PIRL, OMB Control Number 1205-0526, "Expiration Date: 08-31-2019" edition, ICR
   * 202402-1205-004: https://omb.report/icr/202402-1205-004/doc/139678501. Read there: "100 Unique Individual
   * Identifier AN 12", and the layout's date format, "200 Date of Birth DT 8 … YYYYMMDD".
   */
  'ETA-9170': 'ETA-9170 Joint PIRL, OMB 1205-0526 (exp. 08-31-2019), https://omb.report/icr/202402-1205-004/doc/139678501',
  /**
   * Not DOL's text. Two independent state implementations that label their columns with the PIRL number and name: a
   * Connecticut (CareerConneCT) PIRL validation pipeline (header map: "900 Date of Program Entry (WIOA)", "901 Date of
   * Program Exit (WIOA)", "1300 Received Training (WIOA)", "1302 Date Entered Training #1 (WIOA)", "1303 Type of
   * Training Service #1 (WIOA)", "1800 Type of Recognized Credential (WIOA)", "1801 Date Attained Recognized
   * Credential (WIOA)"), and an Arkansas PIRL extract, github.com/Coleridge-Data-For-Impact/ada_impact_2026 @
   * 1de6ab965f65566faa08d8d759dbde026cf1c377, "data model scripts/FACT Person Outcome/DW RedShift - Load FACT Person
   * Outcome - PIRL - Adult.sql" (decodes type_of_training_service_1_wioa as TRAINING_SERVICE_CODES below) and "… - PIRL
   * - Wagner Peyser.sql" (decodes type_of_recognized_credential_wioa as RECOGNIZED_CREDENTIAL_CODES below). Sources
   * that disagree were discounted: a TypeScript exporter with 1800 codes 0–6 (it also misnumbers 1300/1303) and an
   * edit-check script accepting 1800 codes 0–8.
   */
  'state-tooling': 'CT CareerConneCT PIRL pipeline; github.com/Coleridge-Data-For-Impact/ada_impact_2026 @ 1de6ab9 (not DOL text)',
} as const;
export type PirlSource = keyof typeof PIRL_SOURCES;

export type PirlDataType = 'AN' | 'DT' | 'IN';

export interface PirlElement {
  /** The PIRL data element number; null for the OBS Number, which the layout numbers "N/A". */
  number: number | null;
  /** The PIRL data element name, as the layout writes it. */
  name: string;
  type: PirlDataType;
  length: number;
  /** Code values (code → meaning) for coded elements. */
  codes?: Readonly<Record<string, string>>;
  /** Where the element was read: the number, name, type and length; and the code values when there are any. */
  source: readonly PirlSource[];
  /** Whether the number, name, format and code values were read in DOL's layout itself, or only in third-party tooling. */
  confirmed: 'dol' | 'third-party';
}

/** PIRL 1303 code values, as two state implementations decode them (PIRL_SOURCES['state-tooling']; not read in DOL's text). */
export const TRAINING_SERVICE_CODES = {
  '00': 'No Training Service',
  '01': 'On the Job Training (non-WIOA Youth)',
  '02': 'Skill Upgrading',
  '03': 'Entrepreneurial Training (non-WIOA Youth)',
  '04': 'ABE or ESL (contextualized or other) in conjunction with Training',
  '05': 'Customized Training',
  '06': 'Occupational Skills Training (non-WIOA Youth)',
  '07': 'ABE or ESL NOT in conjunction with training (funded by Trade Adjustment Assistance only)',
  '08': 'Prerequisite Training',
  '09': 'Registered Apprenticeship',
  '10': 'Youth Occupational Skills Training',
  '11': 'Other Non-Occupational-Skills Training',
  '12': 'Job Readiness Training in conjunction with other training',
} as const;
export type TrainingServiceCode = keyof typeof TRAINING_SERVICE_CODES;

/** PIRL 1800 code values, as a state's PIRL extract decodes them (PIRL_SOURCES['state-tooling']; not read in DOL's text). */
export const RECOGNIZED_CREDENTIAL_CODES = {
  '0': 'No recognized credential',
  '1': 'Secondary School Diploma/or equivalency',
  '2': 'AA or AS Diploma/Degree',
  '3': 'BA or BS Diploma/Degree',
  '4': 'Occupational Licensure',
  '5': 'Occupational Certificate',
  '6': 'Occupational Certification',
  '7': 'Other Recognized Diploma, Degree, or Certificate',
} as const;
export type RecognizedCredentialCode = keyof typeof RECOGNIZED_CREDENTIAL_CODES;

const YES_NO = { '0': 'No', '1': 'Yes' } as const;
const THIRD_PARTY = { source: ['state-tooling'], confirmed: 'third-party' } as const;
/** A DT 8 element: the layout writes its dates YYYYMMDD (PIRL_SOURCES['ETA-9170'], element 200); the element itself is third-party. */
const DATE = { type: 'DT', length: 8, source: ['state-tooling', 'ETA-9170'], confirmed: 'third-party' } as const;

/** The elements the export writes, in the layout's order. */
export const PIRL = {
  obsNumber: { number: null, name: 'OBS Number', type: 'IN', length: 9, source: ['ETA-9172'], confirmed: 'dol' },
  participantId: {
    number: 100,
    name: 'Unique Individual Identifier (WIOA)',
    type: 'AN',
    length: 12,
    source: ['ETA-9172', 'ETA-9170'],
    confirmed: 'dol',
  },
  programEntry: { number: 900, name: 'Date of Program Entry (WIOA)', ...DATE },
  programExit: { number: 901, name: 'Date of Program Exit (WIOA)', ...DATE },
  receivedTraining: { number: 1300, name: 'Received Training (WIOA)', type: 'IN', length: 1, codes: YES_NO, ...THIRD_PARTY },
  trainingEntry: { number: 1302, name: 'Date Entered Training #1 (WIOA)', ...DATE },
  trainingService: {
    number: 1303,
    name: 'Type of Training Service #1 (WIOA)',
    type: 'IN',
    length: 2,
    codes: TRAINING_SERVICE_CODES,
    ...THIRD_PARTY,
  },
  trainingCompleted: { number: 1307, name: 'Training Completed #1', type: 'IN', length: 1, codes: YES_NO, ...THIRD_PARTY },
  trainingCompletedDate: { number: 1308, name: 'Date Completed, or Withdrew from, Training #1', ...DATE },
  credentialType: {
    number: 1800,
    name: 'Type of Recognized Credential (WIOA)',
    type: 'IN',
    length: 1,
    codes: RECOGNIZED_CREDENTIAL_CODES,
    ...THIRD_PARTY,
  },
  credentialDate: { number: 1801, name: 'Date Attained Recognized Credential (WIOA)', ...DATE },
} as const satisfies Record<string, PirlElement>;

export type PirlField = keyof typeof PIRL;
/** The order of the PIRL columns in the export. */
export const PIRL_FIELDS: readonly PirlField[] = [
  'obsNumber',
  'participantId',
  'programEntry',
  'programExit',
  'receivedTraining',
  'trainingEntry',
  'trainingService',
  'trainingCompleted',
  'trainingCompletedDate',
  'credentialType',
  'credentialDate',
];

/** `PIRL 900 Date of Program Entry (WIOA)`: the header cell of a PIRL column; `OBS Number` for the unnumbered one. */
export function pirlHeader(field: PirlField): string {
  const { number, name } = PIRL[field];
  return number === null ? name : `PIRL ${number} ${name}`;
}

/** A program's type of training service (programs.training_service_type) as its PIRL 1303 code. */
export const TRAINING_SERVICE_TYPE_TO_PIRL: Readonly<Record<TrainingServiceType, TrainingServiceCode>> = {
  on_the_job_training: '01',
  skill_upgrading: '02',
  entrepreneurial_training: '03',
  abe_or_esl_with_training: '04',
  customized_training: '05',
  occupational_skills_training: '06',
  prerequisite_training: '08',
  registered_apprenticeship: '09',
  youth_occupational_skills_training: '10',
  other_non_occupational_skills_training: '11',
  job_readiness_training: '12',
};

/** The platform's credential types (programs.credential_type) as PIRL 1800 codes. */
export const CREDENTIAL_TYPE_TO_PIRL: Readonly<Record<CredentialType, RecognizedCredentialCode>> = {
  occupational_licensure: '4',
  occupational_certificate: '5',
  occupational_certification: '6',
  other: '7',
};

/** One participant record as PIRL values: dates `YYYYMMDD`, codes as strings, '' where blank. */
export type PirlRecord = Record<PirlField, string>;

/** A date (Date at UTC, or `YYYY-MM-DD…`) as the PIRL writes it; '' for none. */
export function pirlDate(value: Date | string | null | undefined): string {
  if (value === null || value === undefined || value === '') return '';
  const iso = value instanceof Date ? value.toISOString() : value;
  return /^\d{4}-\d{2}-\d{2}/.test(iso) ? iso.slice(0, 10).replace(/-/g, '') : '';
}

/** A 12-character participant identifier from a positive integer (zero-padded): no personal data, AN 12. */
export function pirlParticipantId(n: number): string {
  return String(n).padStart(12, '0');
}

/** The OBS Number of a record from a positive integer: nine digits, zero-padded, as the layout's `000000000`. */
export function pirlObsNumber(n: number): string {
  return String(n).padStart(9, '0');
}

export interface EditCheckError {
  /** The element's PIRL number; null for the OBS Number. */
  element: number | null;
  message: string;
}

function isPirlDate(s: string): boolean {
  if (!/^\d{8}$/.test(s)) return false;
  const d = new Date(Date.UTC(Number(s.slice(0, 4)), Number(s.slice(4, 6)) - 1, Number(s.slice(6, 8))));
  return pirlDate(d) === s;
}

/**
 * The edit checks on one record. `today` is `YYYYMMDD` (UTC); `platform.completionDate` is the read model's own
 * completion date (1308 cannot tell completion from withdrawal). A record that fails is still reported, with these
 * errors next to it.
 */
export function editChecks(r: PirlRecord, today: string, platform: { completionDate?: string } = {}): EditCheckError[] {
  const errors: EditCheckError[] = [];
  const err = (field: PirlField, message: string) => errors.push({ element: PIRL[field].number, message });

  if (!/^\d{9}$/.test(r.obsNumber)) err('obsNumber', 'must be nine digits');
  if (!/^[A-Za-z0-9]{1,12}$/.test(r.participantId)) err('participantId', 'must be 1 to 12 letters or digits');

  const dates: PirlField[] = ['programEntry', 'programExit', 'trainingEntry', 'trainingCompletedDate', 'credentialDate'];
  const validDate: Partial<Record<PirlField, boolean>> = {};
  for (const f of dates) {
    if (r[f] === '') continue;
    validDate[f] = isPirlDate(r[f]);
    if (!validDate[f]) err(f, 'is not a valid YYYYMMDD date');
    else if (r[f] > today) err(f, 'is in the future');
  }
  if (r.programEntry === '') err('programEntry', 'is required');
  const both = (a: PirlField, b: PirlField) => r[a] !== '' && r[b] !== '' && validDate[a] && validDate[b];
  if (both('programEntry', 'programExit') && r.programExit < r.programEntry)
    err('programExit', 'is before the date of program entry (900)');
  if (both('programEntry', 'trainingEntry') && r.trainingEntry < r.programEntry)
    err('trainingEntry', 'is before the date of program entry (900)');
  if (both('trainingEntry', 'trainingCompletedDate') && r.trainingCompletedDate < r.trainingEntry) {
    err('trainingCompletedDate', 'is before the date entered training (1302)');
  }
  if (both('programEntry', 'credentialDate') && r.credentialDate < r.programEntry)
    err('credentialDate', 'is before the date of program entry (900)');

  if (!(r.receivedTraining in YES_NO)) err('receivedTraining', 'must be 0 or 1');
  if (!(r.trainingService in TRAINING_SERVICE_CODES))
    err('trainingService', `"${r.trainingService}" is not a type of training service code`);
  else if (r.receivedTraining === '1' && r.trainingService === '00')
    err('trainingService', 'is 00 (no training service) but received training (1300) is 1');
  else if (r.receivedTraining === '0' && r.trainingService !== '00')
    err('trainingService', 'names a training service but received training (1300) is 0');
  if (r.receivedTraining === '1' && r.trainingEntry === '') err('trainingEntry', 'is required when received training (1300) is 1');

  if (r.trainingCompleted !== '' && !(r.trainingCompleted in YES_NO)) err('trainingCompleted', 'must be 0 or 1');
  if (r.trainingCompleted === '1' && r.receivedTraining !== '1') err('trainingCompleted', 'is 1 but received training (1300) is not 1');
  if (r.trainingCompleted === '1' && r.trainingCompletedDate === '')
    err('trainingCompletedDate', 'is required when training completed (1307) is 1');
  // 1308 also holds the date a participant withdrew, so the platform's own completion date is checked here.
  if (platform.completionDate && r.trainingCompleted !== '1')
    err('trainingCompleted', 'a training completion date is recorded but training completed (1307) is not 1');

  if (!(r.credentialType in RECOGNIZED_CREDENTIAL_CODES))
    err('credentialType', `"${r.credentialType}" is not a type of recognized credential code`);
  if (r.credentialDate !== '' && (r.credentialType === '' || r.credentialType === '0')) {
    err('credentialDate', 'a date attained needs a type of recognized credential (1800)');
  }
  if (r.credentialType !== '' && r.credentialType !== '0' && r.credentialDate === '')
    err('credentialType', 'a recognized credential needs its date attained (1801)');
  return errors;
}

/** An error list as one CSV cell: `1801: a date attained needs …; 901: …`. */
export function formatEditCheckErrors(errors: readonly EditCheckError[]): string {
  return errors.map((e) => `${e.element === null ? 'OBS Number' : `PIRL ${e.element}`}: ${e.message}`).join('; ');
}
