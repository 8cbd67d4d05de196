/**
 * The WIOA participant record, shaped after DOL's Participant Individual Record Layout (PIRL, form ETA-9172), and the
 * edit checks the export runs on each record.
 *
 * Sources (looked up with the search tool; stored copies, not live pages):
 *  - ETA-9172 PIRL, OMB Control Number 1205-0521 (expiration 06-30-2024 edition), as published with the information
 *    collection requests at http://www.m.omb.report/icr/202111-1205-002/doc/116835400 and
 *    http://www.m.omb.report/icr/202411-1205-002/doc/148716700 (also https://omb.report/icr/202112-1205-003/doc/116858601,
 *    expiration 06-30-2023 edition). Confirmed there: element 100 "Unique Individual Identifier (WIOA)", AN 12, which
 *    "cannot contain a social security number"; dates are DT 8 written YYYYMMDD (element 200's code value).
 *  - The stored copies give only the opening rows of the layout. The numbers and names of the other elements below
 *    are corroborated by public state/grantee PIRL tooling that labels its columns with the PIRL number and name
 *    (e.g. "900 Date of Program Entry (WIOA)", "901 Date of Program Exit (WIOA)", "1300 Received Training (WIOA)",
 *    "1302 Date Entered Training #1 (WIOA)", "1303 Type of Training Service #1 (WIOA)", "1307 Training Completed #1",
 *    "1308 Date Completed, or Withdrew from, Training #1", "1800 Type of Recognized Credential (WIOA)",
 *    "1802 Type of Recognized Credential #2 (WIOA)"), NOT by the DOL text itself. See each element's `confirmed`.
 *  - 1800 and 1801 (second search, 2026-11-25): still not in any stored DOL text. Corroborated by two independent
 *    state implementations: a Connecticut (CareerConneCT) PIRL validation pipeline whose header map lists
 *    "1800 Type of Recognized Credential (WIOA)", "1801 Date Attained Recognized Credential (WIOA)",
 *    "1802 Type of Recognized Credential #2 (WIOA)", "1803 Date Attained Recognized Credential #2 (WIOA)",
 *    "1804 … #3", "1805 … #3" (and 1806/1807 as measurable skill gains dates, not credentials); and an Arkansas PIRL
 *    extract, github.com/Coleridge-Data-For-Impact/ada_impact_2026 @ 1de6ab965f65566faa08d8d759dbde026cf1c377,
 *    "data model scripts/FACT Person Outcome/DW RedShift - Load FACT Person Outcome - PIRL - Wagner Peyser.sql",
 *    which decodes type_of_recognized_credential_wioa exactly as RECOGNIZED_CREDENTIAL_CODES below (1..7, 0 = none);
 *    the same repository's Adult script decodes 1303 as TRAINING_SERVICE_CODES below. Sources that disagree were
 *    discounted: a TypeScript exporter with 0–6 (it also misnumbers 1300/1303) and older drafts with 1–8.
 *    1801's type DT 8 follows the layout's date convention (element 200, DOL text). Check all of these against the
 *    current ETA-9172 on https://www.dol.gov/agencies/eta/performance before a state submission.
 *  - The brief that asked for this named "1332" for training completed; the sources above give 1307 (Training
 *    Completed #1) and 1308 (Date Completed, or Withdrew from, Training #1), which are used here.
 */
import type { CredentialType } from './program-rules';

export type PirlDataType = 'AN' | 'DT' | 'IN';

export interface PirlElement {
  /** The PIRL data element number. */
  number: number;
  /** The PIRL data element name, as the layout writes it. */
  name: string;
  type: PirlDataType;
  length: number;
  /** Code values (code → meaning) for coded elements. */
  codes?: Readonly<Record<string, string>>;
  /** Whether the number and name were read in the DOL layout itself ('dol'), or only in third-party PIRL tooling. */
  confirmed: 'dol' | 'third-party';
}

/** PIRL 1303 code values (two state implementations of the PIRL agree; not read in the DOL text here). */
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

/** PIRL 1800 code values, as a state's PIRL extract decodes them (see the sources above; not read in the DOL text here). */
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

export const PIRL = {
  participantId: { number: 100, name: 'Unique Individual Identifier (WIOA)', type: 'AN', length: 12, confirmed: 'dol' },
  programEntry: { number: 900, name: 'Date of Program Entry (WIOA)', type: 'DT', length: 8, confirmed: 'third-party' },
  programExit: { number: 901, name: 'Date of Program Exit (WIOA)', type: 'DT', length: 8, confirmed: 'third-party' },
  receivedTraining: { number: 1300, name: 'Received Training (WIOA)', type: 'IN', length: 1, codes: YES_NO, confirmed: 'third-party' },
  trainingEntry: { number: 1302, name: 'Date Entered Training #1 (WIOA)', type: 'DT', length: 8, confirmed: 'third-party' },
  trainingService: {
    number: 1303,
    name: 'Type of Training Service #1 (WIOA)',
    type: 'IN',
    length: 2,
    codes: TRAINING_SERVICE_CODES,
    confirmed: 'third-party',
  },
  trainingCompleted: { number: 1307, name: 'Training Completed #1', type: 'IN', length: 1, codes: YES_NO, confirmed: 'third-party' },
  trainingCompletedDate: {
    number: 1308,
    name: 'Date Completed, or Withdrew from, Training #1',
    type: 'DT',
    length: 8,
    confirmed: 'third-party',
  },
  credentialType: {
    number: 1800,
    name: 'Type of Recognized Credential (WIOA)',
    type: 'IN',
    length: 1,
    codes: RECOGNIZED_CREDENTIAL_CODES,
    confirmed: 'third-party',
  },
  credentialDate: { number: 1801, name: 'Date Attained Recognized Credential (WIOA)', type: 'DT', length: 8, confirmed: 'third-party' },
} as const satisfies Record<string, PirlElement>;

export type PirlField = keyof typeof PIRL;
/** The order of the PIRL columns in the export. */
export const PIRL_FIELDS: readonly PirlField[] = [
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

/** `PIRL 900 Date of Program Entry (WIOA)`: the header cell of a PIRL column. */
export function pirlHeader(field: PirlField): string {
  return `PIRL ${PIRL[field].number} ${PIRL[field].name}`;
}

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

export interface EditCheckError {
  element: number;
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
  return errors.map((e) => `PIRL ${e.element}: ${e.message}`).join('; ');
}
