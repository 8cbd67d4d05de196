import type { Db } from '../../db/pool';
import type { Actor } from '../../core/actor';
import type { Locale } from '../../lib/i18n';

/**
 * Keeps who a student is, as their sign-in says: the enrollment record copies the name and email from here when the
 * workflow opens it (so neither travels through Temporal), and the data export's email is addressed from here.
 */
export async function rememberStudent(db: Db, student: Actor, locale?: Locale): Promise<void> {
  await db.query(
    `INSERT INTO students (id, email, name, locale) VALUES ($1, $2, $3, $4)
     ON CONFLICT (id) DO UPDATE SET email = EXCLUDED.email, name = EXCLUDED.name,
                                    locale = COALESCE(EXCLUDED.locale, students.locale), updated_at = now()`,
    [student.id, student.email ?? null, student.name ?? student.email ?? null, locale ?? null],
  );
}

/**
 * Keeps the language the student reads their pages in, for the emails and certificate sent to them, when it differs
 * from the one stored (only for a student the platform already keeps: one who enrolled or asked for their data).
 */
export async function rememberStudentLocale(db: Db, studentId: string, locale: Locale): Promise<void> {
  await db.query('UPDATE students SET locale = $2 WHERE id = $1 AND locale IS DISTINCT FROM $2', [studentId, locale]);
}
