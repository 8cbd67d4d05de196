import { mailEs } from './mail.es';
import type { TranslatedId } from './messages.en';
import { readsEs } from './reads.es';
import { studentEs } from './student.es';

/** The Spanish catalog: every key of the English one but the staff pages' (the compiler checks), in ICU MessageFormat. */
export const es: Record<TranslatedId, string> = {
  ...studentEs,
  ...mailEs,
  ...readsEs,
  'layout.brand': 'Credential Marketplace',
  'layout.title': '{title} · Credential Marketplace',
  'layout.skip': 'Ir al contenido',
  'layout.nav': 'Principal',
  'layout.signOut': 'Cerrar sesión',
  'layout.language': 'Idioma',
  'layout.devBanner': 'Desarrollo: pagos simulados, socio de demostración e inicio de sesión de desarrollo. No es para estudiantes reales.',
  'role.student': 'Estudiante',
  'role.program_holder': 'Responsable del programa',
  'role.funder': 'Entidad que financia',
  'role.admin': 'Administrador',
  'nav.student.enrollments': 'Mis inscripciones',
  'nav.student.myData': 'Mis datos',
};
