import type { Db } from '../../db/pool';
import type { Actor } from '../../core/actor';

/**
 * Keeps who a student is, as their sign-in says: the enrollment record copies the name and email from here when the
 * workflow opens it (so neither travels through Temporal), and the data export's email is addressed from here.
 */
export async function rememberStudent(db: Db, student: Actor): Promise<void> {
  await db.query(
    `INSERT INTO students (id, email, name) VALUES ($1, $2, $3)
     ON CONFLICT (id) DO UPDATE SET email = EXCLUDED.email, name = EXCLUDED.name, updated_at = now()`,
    [student.id, student.email ?? null, student.name ?? student.email ?? null],
  );
}
