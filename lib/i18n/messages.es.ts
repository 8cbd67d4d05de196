import type { TranslatedId } from './messages.en';

/** The Spanish catalog: every key of the English one but the staff pages' (the compiler checks), in ICU MessageFormat. */
export const es: Record<TranslatedId, string> = {
  'layout.brand': 'Credential Marketplace',
  'layout.title': '{title} · Credential Marketplace',
  'layout.skip': 'Ir al contenido',
  'layout.nav': 'Principal',
  'layout.signOut': 'Cerrar sesión',
  'layout.language': 'Idioma',
  'layout.devBanner': 'Desarrollo: pagos simulados, socio de demostración e inicio de sesión de desarrollo. No es para estudiantes reales.',
  'role.student': 'Estudiante',
  'role.program_holder': 'Titular del programa',
  'role.funder': 'Financiador',
  'role.admin': 'Administrador',
  'nav.student.enrollments': 'Mis inscripciones',
  'signIn.formLost':
    'Su sesión terminó antes de enviar el formulario, así que no se guardó nada. Inicie sesión y volverá a esa página para enviarlo de nuevo.',
  'signIn.formLostAfter': 'Ya inició sesión otra vez. El formulario que envió sin sesión no se guardó: envíelo de nuevo.',
  'nav.student.myData': 'Mis datos',
};
