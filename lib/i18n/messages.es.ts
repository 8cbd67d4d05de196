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
  'error.backHome': 'Ir a la página de inicio',
  'error.backToStart': 'Ir a su página de inicio',
  'error.signIn': 'Iniciar sesión',
  'error.badRequest.title': 'Algo en la solicitud no era correcto',
  'error.badRequest.detail': 'La página no pudo usar lo que se envió. Vuelva atrás, revise lo que escribió e inténtelo de nuevo.',
  'error.unauthorized.title': 'Inicie sesión',
  'error.unauthorized.detail': 'Debe iniciar sesión para ver esta página. Si ya había iniciado sesión, su sesión terminó.',
  'error.forbidden.title': 'No permitido',
  'error.forbidden.detail':
    'Su cuenta no puede abrir esta página ni hacer esto. Si cree que debería poder, inicie sesión con la cuenta correcta.',
  'error.notFound.title': 'Página no encontrada',
  'error.notFound.detail':
    'No hay ninguna página en esta dirección. Revise si tiene un error de escritura o vuelva a empezar desde el enlace de abajo.',
  'error.methodNotAllowed.title': 'Esta página no se puede usar así',
  'error.methodNotAllowed.detail': 'La página existe, pero no para lo que pidió su navegador. Ábrala de nuevo desde un enlace.',
  'error.conflict.title': 'No es posible en este momento',
  'error.conflict.detail': 'Esto no se puede hacer en el estado actual. Abra la página de nuevo para ver cómo están las cosas.',
  'error.tooLarge.title': 'Archivo demasiado grande',
  'error.tooLarge.detail': 'Lo que se envió es más grande de lo que acepta esta página. Pruebe con un archivo más pequeño.',
  'error.unsupportedType.title': 'Tipo de archivo no aceptado',
  'error.unsupportedType.detail':
    'Esta página acepta archivos PDF, PNG o JPEG. Guarde el archivo en uno de estos tipos e inténtelo de nuevo.',
  'error.unprocessable.title': 'No se pudo hacer',
  'error.unprocessable.detail': 'Lo que se envió se refiere a algo que no se puede usar. Vuelva atrás y revíselo.',
  'error.tooManyRequests.title': 'Demasiadas solicitudes',
  'error.tooManyRequests.detail': 'Espere un minuto y vuelva a intentarlo.',
  'error.internal.title': 'Algo salió mal',
  'error.internal.detail': 'La página no se pudo mostrar por un problema de nuestra parte. Inténtelo de nuevo en un momento.',
  'error.unavailable.title': 'No disponible por el momento',
  'error.unavailable.detail': 'Un servicio que necesita esta página no responde ahora. No se cambió nada; inténtelo de nuevo en un minuto.',
  'error.verify.title': 'Certificado no encontrado',
  'error.verify.heading': 'Ningún certificado tiene este código',
  'error.verify.detail': 'No encontramos ningún certificado con el código {code}.',
  'error.verify.check':
    'Revise el código impreso en el certificado: doce letras y números en tres grupos de cuatro, como 7KQ2-M9XD-4HT8. Nunca se usan las letras I, L, O ni U, así que 0 siempre es cero y 1 siempre es uno.',
  'error.verify.again': 'Revisar otro código',
  'error.verify.codeLabel': 'Código de verificación',
  'error.verify.submit': 'Revisar certificado',
  'error.verify.formTitle': 'Revisar un certificado',
  'error.verify.formIntro': 'Escriba el código de verificación impreso en el certificado para ver si es válido.',
  'role.student': 'Estudiante',
  'role.program_holder': 'Responsable del programa',
  'role.funder': 'Entidad que financia',
  'role.admin': 'Administrador',
  'nav.student.enrollments': 'Mis inscripciones',
  'signIn.formLost':
    'Su sesión terminó antes de enviar el formulario, así que no se guardó nada. Inicie sesión y volverá a esa página para enviarlo de nuevo.',
  'signIn.formLostAfter': 'Ya inició sesión otra vez. El formulario que envió sin sesión no se guardó: envíelo de nuevo.',
  'nav.student.myData': 'Mis datos',
};
