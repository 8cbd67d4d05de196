import { mailEn } from './mail.en';
import { readsEn } from './reads.en';
import { studentEn } from './student.en';

/**
 * The English catalog, the source of every message (ICU MessageFormat). Keys name where a text is read:
 * `layout.*` on every page, `student.*` on the student's pages, `staff.*` on the pages of program holders, funders
 * and admins, which stay English (the other catalogs have every key but those).
 */
export const en = {
  ...studentEn,
  ...mailEn,
  ...readsEn,
  'layout.brand': 'Credential Marketplace',
  'layout.title': '{title} · Credential Marketplace',
  'layout.skip': 'Skip to content',
  'layout.nav': 'Main',
  'layout.signOut': 'Sign out',
  'layout.language': 'Language',
  'layout.devBanner': 'Development: simulated payments, demo partner and development sign-in. Not for real students.',
  'role.student': 'Student',
  'role.program_holder': 'Program holder',
  'role.funder': 'Funder',
  'role.admin': 'Admin',
  'nav.student.enrollments': 'My enrollments',
  'nav.student.myData': 'My data',
  'staff.nav.dashboard': 'Dashboard',
  'staff.nav.enrollments': 'Enrollments',
  'staff.nav.review': 'Review queue',
  'staff.nav.revenue': 'Revenue share',
  'staff.nav.vouchers': 'Vouchers',
  'staff.nav.fundedEnrollments': 'Funded enrollments',
  'staff.nav.reports': 'Reports',
  'staff.nav.partners': 'Partners',
  'staff.nav.programs': 'Programs',
  'staff.nav.certificates': 'Certificates',
  'staff.nav.audit': 'Audit log',
  'staff.nav.erasureRequests': 'Erasure requests',
} as const satisfies Record<string, string>;

/** The keys every language has (the staff pages' words are English only). */
export type TranslatedId = Exclude<keyof typeof en, `staff.${string}`>;
