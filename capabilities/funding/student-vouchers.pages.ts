import { Router } from 'express';
import { consoleActor } from '../../console/access';
import { withQuery } from '../../console/forms';
import { localeOf } from '../../console/locale';
import type { Render } from '../../console/render';
import type { CoreDeps } from '../../core/deps';
import { translator } from '../../lib/i18n';
import { STUDENT_ENROLLMENTS_PATH, studentEnrollmentPath } from '../../lib/student-links';
import { studentVouchers } from './student-vouchers';

/**
 * The student's **My vouchers** (/student/vouchers): the vouchers issued to them (number, amount, program, expiry,
 * status). One that can still be used links to the enroll form with its number, funding source and program filled in,
 * so the student types nothing; one in use links to its enrollment.
 */
export function studentVoucherPages({ db }: CoreDeps, render: Render): Router {
  const router = Router();

  router.get('/vouchers', async (req, res) => {
    const student = consoleActor(req);
    const i18n = translator(localeOf(req));
    const vouchers = await studentVouchers(db, student);
    render(req, res, 'student/vouchers', {
      title: i18n.t('student.vouchers.title'),
      vouchers: vouchers.map((v) => ({
        number: v.number,
        funding: i18n.t(`funding.${v.fundingSource}`),
        amount: i18n.money(v.amountCents, v.currency),
        program: v.programTitle ?? i18n.t('student.vouchers.anyProgram'),
        expires: i18n.date(v.expiresOn),
        expiresOn: v.expiresOn,
        status: v.status,
        statusWords:
          v.status === 'used'
            ? i18n.t('student.vouchers.status.used', { program: v.enrollment?.programTitle ?? '' })
            : i18n.t(`student.vouchers.status.${v.status}`),
        enrollHref:
          v.status === 'issued' || v.status === 'released'
            ? `${withQuery(STUDENT_ENROLLMENTS_PATH, { voucherNumber: v.number, fundingSource: v.fundingSource, programId: v.programId ?? undefined })}#enroll`
            : undefined,
        enrollmentHref: v.enrollment ? studentEnrollmentPath(v.enrollment.id) : undefined,
      })),
    });
  });

  return router;
}
