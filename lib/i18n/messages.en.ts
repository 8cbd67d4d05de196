/**
 * The English catalog, the source of every message (ICU MessageFormat). Keys name where a text is read:
 * `layout.*` on every page, `student.*` on the student's pages, `staff.*` on the pages of program holders, funders
 * and admins, which stay English (the other catalogs have every key but those).
 */
export const en = {
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
  'signIn.formLost':
    'Your session ended before your form was sent, so nothing was saved. Sign in, and you will be back on that page to send it again.',
  'signIn.formLostAfter': 'You are signed in again. The form you sent while signed out was not saved: please send it again.',
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
  'staff.nav.outcomes': 'Outcomes',
  'staff.nav.webhooks': 'Webhooks',
  'staff.outcomes.title': 'Outcomes',
  'staff.outcomes.intro':
    'Per program, how the enrollments that began in the period went: enrolled, launched, completed and credential attained, with the rates a workforce board and the state’s training provider list judge a program by.',
  'staff.outcomes.period': 'Period',
  'staff.outcomes.from': 'From',
  'staff.outcomes.to': 'To',
  'staff.outcomes.show': 'Show outcomes',
  'staff.outcomes.none': 'No enrollment began between {from} and {to}.',
  'staff.outcomes.chartTitle': 'Enrollments that began from {from} to {to}',
  'staff.outcomes.chartDesc':
    'For each program, four bars: enrolled, launched, completed and credential attained. The table below gives the same numbers.',
  'staff.outcomes.tableTitle': 'Counts and rates',
  'staff.outcomes.program': 'Program',
  'staff.outcomes.stage.enrolled': 'Enrolled',
  'staff.outcomes.stage.launched': 'Launched',
  'staff.outcomes.stage.completed': 'Completed',
  'staff.outcomes.stage.credential': 'Credential attained',
  'staff.outcomes.completionRate': 'Completion rate',
  'staff.outcomes.credentialRate': 'Credential rate',
  'staff.outcomes.total': 'All programs',
  'staff.outcomes.definitions':
    'Enrolled: paid or funded enrollments opened in the period (an abandoned checkout is not counted). Launched, completed and credential attained count those same enrollments; a revoked certificate is not a credential. Both rates divide by enrolled.',
} as const satisfies Record<string, string>;

/** The keys every language has (the staff pages' words are English only). */
export type TranslatedId = Exclude<keyof typeof en, `staff.${string}`>;
