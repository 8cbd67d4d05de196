import { Router } from 'express';
import { escapeHtml, page } from '../api/html';
import { studentEnrollmentUrl } from '../lib/student-links';

/** A query parameter as text: a repeated one's values joined with commas (as String() of the array reads it). */
const queryText = (value: unknown): string =>
  typeof value === 'string' ? value : Array.isArray(value) ? value.map(queryText).join(',') : '';

/** The local `demo` partner's launch page: where a launched student lands; never in production (see `demoRoutes`). */
export function demoPartnerLaunchRoutes(publicBaseUrl: string): Router {
  const router = Router();
  router.get('/partners/demo/launch', (req, res) => {
    res.type('html').send(
      page(
        'Demo partner course',
        `<p class="banner">DEMO PARTNER: a local stand-in for a partner platform.</p>
      <div class="card"><h1>Course ${escapeHtml(req.query.courseId)}</h1><p>Registration (enrollment) <code>${escapeHtml(req.query.enrollmentId)}</code>.</p>
      <p>Take the course here; your program holder, your upload or the partner then reports your completion.</p>
      <form method="post" action="/demo-partner/v1/registrations/${escapeHtml(encodeURIComponent(queryText(req.query.enrollmentId)))}/complete">
      <button type="submit">Finish course</button> (the demo partner records it; the platform learns of it at its next poll)</form>
      <p><a href="${escapeHtml(studentEnrollmentUrl(publicBaseUrl, queryText(req.query.enrollmentId)))}">Back to your enrollment</a></p></div>`,
      ),
    );
  });

  return router;
}
