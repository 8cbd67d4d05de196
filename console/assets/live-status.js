// A page whose status will change soon (a payment being confirmed, a certificate being issued) updates itself, as
// progressive enhancement: every few seconds it asks the JSON API (the console session may read it) for the
// enrollment's status, and reloads when the status has moved on. Without script the page still says what it waits
// for and offers a link that loads it again. It stops asking after about five minutes.
(() => {
  const waiting = document.querySelector('[data-live-status]');
  if (!(waiting instanceof HTMLElement)) return;
  const { enrollmentId, status } = waiting.dataset;
  if (!enrollmentId || !status) return;
  let asked = 0;
  const ask = async () => {
    asked += 1;
    try {
      const res = await fetch(`/api/enrollments/${encodeURIComponent(enrollmentId)}`, {
        headers: { accept: 'application/json' },
        credentials: 'same-origin',
      });
      if (res.ok) {
        const body = await res.json();
        if (body.status !== status) {
          window.location.reload();
          return;
        }
      }
    } catch {
      // Offline for a moment: ask again later.
    }
    if (asked < 70) setTimeout(ask, asked < 15 ? 2000 : 5000);
  };
  setTimeout(ask, 2000);
})();
