/*
 * <ai-tutor> — the course tutor as a dependency-free web component.
 *
 *   <script src="/widget/ai-tutor.js" defer></script>
 *   <ai-tutor token="<student JWT>" course-id="<program id>" enrollment-id="<enrollment id>" api-base="https://…"></ai-tutor>
 *
 * On a page of the platform's own console, the signed-in session stands in for the token: without `token`, the
 * widget sends the session cookie (same origin only) and the page's CSRF token from its `csrf-token` attribute;
 * `student-id` keeps one student's conversations apart from another's in the same browser.
 *
 *   <ai-tutor csrf-token="<the page's CSRF token>" student-id="<user id>" enrollment-id="<enrollment id>"></ai-tutor>
 *
 * First the panel shows what is sent to the model provider (GET /api/me/tutor-consent) and asks; nothing is sent
 * before the student agrees (PUT), who may withdraw (DELETE); the server refuses a question without it (409).
 * Replies stream from POST /api/ai-tutor/chat (server-sent events read with fetch, since EventSource cannot POST);
 * the conversation id is kept in localStorage per student and course/enrollment. Text from the student or the
 * model is only ever set with textContent.
 */
(() => {
  'use strict';
  if (typeof customElements === 'undefined' || customElements.get('ai-tutor')) return;

  // The stylesheet is ai-tutor.css beside this file; the route that serves the widget puts it here as a string.
  const STYLE = '/* ai-tutor.css */';

  const ICON =
    '<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path fill="currentColor" d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2zm3 6.5a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01z"/></svg>';

  /** The `sub` of a JWT, only to keep one student's conversations apart from another's in the same browser. */
  function subjectOf(token) {
    try {
      const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
      return JSON.parse(atob(part + '==='.slice((part.length + 3) % 4))).sub || '';
    } catch {
      return '';
    }
  }

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  class AiTutor extends HTMLElement {
    static get observedAttributes() {
      return ['token', 'csrf-token', 'student-id', 'course-id', 'enrollment-id', 'api-base'];
    }

    constructor() {
      super();
      this.busy = false;
      this.loadedFor = null;
      const root = this.attachShadow({ mode: 'open' });
      // A constructed stylesheet is not inline style, so a page whose CSP has no 'unsafe-inline' still styles the
      // widget; browsers without constructable stylesheets get a <style> element.
      let style = null;
      if ('adoptedStyleSheets' in root && typeof CSSStyleSheet === 'function' && 'replaceSync' in CSSStyleSheet.prototype) {
        const sheet = new CSSStyleSheet();
        sheet.replaceSync(STYLE);
        root.adoptedStyleSheets = [sheet];
      } else {
        style = el('style');
        style.textContent = STYLE;
      }

      this.launcher = el('button', {
        class: 'launcher',
        type: 'button',
        part: 'launcher',
        'aria-label': 'Ask the AI tutor',
        title: 'Ask the AI tutor',
        'aria-haspopup': 'dialog',
        'aria-expanded': 'false',
        'aria-controls': 'panel',
      });
      this.launcher.innerHTML = ICON; // a constant, never user or model text

      this.panel = el('section', { class: 'panel', id: 'panel', role: 'dialog', 'aria-label': 'AI tutor chat', part: 'panel' });
      this.panel.hidden = true;
      const header = el('header');
      header.append(el('h2', { id: 'title' }, 'AI tutor'));
      this.closeButton = el('button', { type: 'button', 'aria-label': 'Close the AI tutor' }, '×');
      header.append(this.closeButton);

      this.list = el('ol', { class: 'messages', 'aria-label': 'Conversation', 'aria-live': 'polite', 'aria-relevant': 'additions text' });
      this.emptyNote = el('p', { class: 'empty' }, 'Ask anything about your course, your enrollment or what to do next.');
      this.errorBox = el('p', { class: 'error', role: 'alert' });
      this.errorBox.hidden = true;
      this.status = el('p', { class: 'sr-only', 'aria-live': 'polite' });

      this.form = el('form', { 'aria-label': 'Ask the tutor' });
      const label = el('label', { class: 'sr-only', for: 'message' }, 'Your question (Enter sends, Shift+Enter adds a line)');
      const field = { id: 'message', name: 'message', rows: '2', maxlength: '4000', placeholder: 'Ask the tutor…', autocomplete: 'off' };
      this.input = el('textarea', field);
      this.sendButton = el('button', { type: 'submit' }, 'Send');
      this.form.append(label, this.input, this.sendButton);

      // Asked before the first question: what is sent to the model provider, and a button that records consent.
      // The notice scrolls; the button stays in view below it.
      this.consentBox = el('section', { class: 'consent', 'aria-labelledby': 'consent-title' });
      // Focusable, so a keyboard can scroll it.
      const consentText = el('div', { class: 'consent-text', tabindex: '0' });
      this.consentIntro = el('p');
      this.consentSent = el('ul');
      this.consentNotSent = el('ul');
      consentText.append(
        el('h3', { id: 'consent-title' }, 'What the tutor sends'),
        this.consentIntro,
        this.consentSent,
        el('p', {}, 'It never sends:'),
        this.consentNotSent,
        el(
          'p',
          {},
          'Nothing is sent before you agree. You can withdraw your consent at any time from this panel; the tutor then sends nothing more.',
        ),
      );
      this.agreeButton = el('button', { type: 'button' }, 'I agree, start the tutor');
      const consentActions = el('div', { class: 'consent-actions' });
      consentActions.append(this.agreeButton);
      this.consentBox.append(consentText, consentActions);
      this.consentBar = el('div', { class: 'consent-bar' });
      this.withdrawButton = el('button', { type: 'button' }, 'Withdraw consent');
      this.consentBar.append(el('span', {}, 'Your questions go to the tutor’s AI model provider.'), this.withdrawButton);
      this.consentBox.hidden = true;
      this.consentBar.hidden = true;

      // The note stands before the list (a list holds only its items) until the first message.
      this.panel.append(header, this.emptyNote, this.list, this.errorBox, this.status, this.consentBox, this.form, this.consentBar);
      if (style) root.append(style);
      root.append(this.launcher, this.panel);

      this.launcher.addEventListener('click', () => this.toggle());
      this.closeButton.addEventListener('click', () => this.toggle(false));
      this.panel.addEventListener('keydown', (e) => {
        if (e.key === 'Escape') this.toggle(false);
      });
      this.input.addEventListener('keydown', (e) => {
        if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
          e.preventDefault();
          this.form.requestSubmit();
        }
      });
      this.form.addEventListener('submit', (e) => {
        e.preventDefault();
        this.send(this.input.value);
      });
      this.agreeButton.addEventListener('click', () => this.setConsent(true));
      this.withdrawButton.addEventListener('click', () => this.setConsent(false));
    }

    connectedCallback() {
      this.loadHistory();
      this.loadConsent();
    }
    attributeChangedCallback() {
      if (this.isConnected) {
        this.loadHistory();
        this.loadConsent();
      }
    }

    get token() {
      return this.getAttribute('token') || '';
    }
    get csrfToken() {
      return this.getAttribute('csrf-token') || '';
    }
    /** Signed in: a bearer token, or (without one) the console session whose CSRF token the page gave. */
    get signedIn() {
      return Boolean(this.token || this.csrfToken);
    }
    get courseId() {
      return this.getAttribute('course-id') || '';
    }
    get enrollmentId() {
      return this.getAttribute('enrollment-id') || '';
    }
    get apiBase() {
      return (this.getAttribute('api-base') || '').replace(/\/$/, '');
    }
    get storageKey() {
      const subject = this.token ? subjectOf(this.token) : this.getAttribute('student-id') || '';
      return `ai-tutor:conversation:${subject}:${this.enrollmentId ? `enrollment:${this.enrollmentId}` : `course:${this.courseId}`}`;
    }
    get conversationId() {
      try {
        return localStorage.getItem(this.storageKey) || '';
      } catch {
        return '';
      }
    }
    set conversationId(id) {
      try {
        id ? localStorage.setItem(this.storageKey, id) : localStorage.removeItem(this.storageKey);
      } catch {
        /* storage off: no memory */
      }
    }

    toggle(open = this.panel.hidden) {
      this.panel.hidden = !open;
      this.launcher.setAttribute('aria-expanded', String(open));
      if (open) {
        if (this.signedIn && !this.consent) this.loadConsent();
        (this.consentBox.hidden ? this.input : this.agreeButton).focus();
        this.scrollToEnd();
      } else {
        this.launcher.focus();
      }
    }

    headers(extra) {
      if (this.token) return { Authorization: `Bearer ${this.token}`, ...extra };
      return { 'X-CSRF-Token': this.csrfToken, ...extra };
    }

    /** How a request is authenticated: the bearer token, or else the session cookie of this same origin. */
    requestInit(init) {
      return this.token ? init : { ...init, credentials: 'same-origin' };
    }

    showError(message) {
      this.errorBox.textContent = message || '';
      this.errorBox.hidden = !message;
    }

    addMessage(role, text) {
      this.emptyNote.remove();
      const item = el('li', {
        class: `msg ${role === 'user' ? 'user' : 'assistant'}`,
        'data-role': role === 'user' ? 'user' : 'assistant',
      });
      item.append(el('span', { class: 'sr-only' }, role === 'user' ? 'You: ' : 'Tutor: '));
      const body = el('span', { class: 'text' }, text);
      item.append(body);
      this.list.append(item);
      this.scrollToEnd();
      return { item, body };
    }

    scrollToEnd() {
      this.list.scrollTop = this.list.scrollHeight;
    }

    /** The problem detail of a failed answer, or a plain sentence when it is not problem JSON. */
    async problemMessage(res) {
      let detail = '';
      try {
        const body = await res.json();
        detail = body && (body.detail || body.title);
      } catch {
        /* not JSON */
      }
      if (res.status === 429) {
        const retry = res.headers.get('Retry-After');
        const wait = retry && /^\d+$/.test(retry) ? ` Try again in ${retry} s.` : '';
        return `${detail || 'Too many questions for now.'}${detail && wait ? wait : ''}`;
      }
      if (res.status === 503) return detail || 'The tutor is not available right now.';
      if (res.status === 401) return detail || 'Your session has expired; sign in again.';
      return detail || `The tutor could not answer (HTTP ${res.status}).`;
    }

    /**
     * Whether the student consented to sending their questions to the model provider, and the notice of what is sent;
     * fetched once per student. Until it is known (or when it cannot be read), neither the question form nor the
     * consent button is shown.
     */
    loadConsent(force = false) {
      if (!this.signedIn) return this.showConsent();
      const key = this.token ? subjectOf(this.token) : this.getAttribute('student-id') || '';
      // Once per student: read already, or on its way.
      if (!force && this.consentFor === key) return;
      this.consentFor = key;
      this.consent = undefined;
      this.showConsent();
      this.fetchConsent(key);
    }

    async fetchConsent(key) {
      let failed = '';
      try {
        const res = await fetch(
          `${this.apiBase}/api/me/tutor-consent`,
          this.requestInit({ headers: this.headers({ Accept: 'application/json' }) }),
        );
        if (this.consentFor !== key) return;
        if (res.ok) {
          this.consent = await res.json();
          this.showConsent();
          return;
        }
        failed = await this.problemMessage(res);
      } catch {
        failed = 'The tutor could not be reached. Check your connection and try again.';
      }
      if (this.consentFor !== key) return;
      // Read again when the panel opens next.
      this.consentFor = null;
      this.showError(failed);
    }

    /** The question form once the student consented; before that, the notice of what is sent and the button. */
    showConsent() {
      const consent = this.consent;
      const known = !this.signedIn || Boolean(consent);
      const consented = !this.signedIn || Boolean(consent && consent.consented);
      this.consentBox.hidden = !known || consented;
      this.list.hidden = known && !consented;
      this.emptyNote.hidden = this.list.hidden;
      this.form.hidden = !known || !consented;
      this.consentBar.hidden = !this.signedIn || !consented;
      if (!consent || consented) return;
      const notice = consent.notice || {};
      this.consentIntro.textContent = `To answer you, the tutor sends the following to its AI model provider (${notice.provider || 'an external service'}):`;
      this.consentSent.replaceChildren(...(notice.sent || []).map((item) => el('li', {}, item)));
      this.consentNotSent.replaceChildren(...(notice.notSent || []).map((item) => el('li', {}, item)));
    }

    /** Gives (PUT) or withdraws (DELETE) consent; the panel follows the answer. */
    async setConsent(give) {
      if (!this.signedIn || this.busy) return;
      this.showError('');
      this.setBusy(true);
      try {
        const res = await fetch(
          `${this.apiBase}/api/me/tutor-consent`,
          this.requestInit({ method: give ? 'PUT' : 'DELETE', headers: this.headers({ Accept: 'application/json' }) }),
        );
        if (!res.ok) {
          this.showError(await this.problemMessage(res));
        } else {
          this.consent = { ...(this.consent || {}), consented: give };
          this.showConsent();
          this.status.textContent = give
            ? 'Consent recorded: you can ask the tutor now.'
            : 'Consent withdrawn: the tutor sends nothing more.';
        }
      } catch {
        this.showError('The tutor could not be reached. Check your connection and try again.');
      }
      this.setBusy(false);
      (this.form.hidden ? this.agreeButton : this.input).focus();
    }

    async loadHistory() {
      const key = this.storageKey;
      if (!this.signedIn || this.loadedFor === key) return;
      this.loadedFor = key;
      const id = this.conversationId;
      if (!id) return;
      try {
        const res = await fetch(
          `${this.apiBase}/api/ai-tutor/conversations/${encodeURIComponent(id)}`,
          this.requestInit({ headers: this.headers({ Accept: 'application/json' }) }),
        );
        if (res.status === 404 || res.status === 403) {
          this.conversationId = '';
          return;
        }
        if (!res.ok) {
          this.showError(await this.problemMessage(res));
          return;
        }
        const conversation = await res.json();
        if (this.loadedFor !== key) return;
        for (const m of conversation.messages || []) {
          if (m && (m.role === 'user' || m.role === 'assistant') && typeof m.content === 'string') this.addMessage(m.role, m.content);
        }
      } catch {
        this.showError('The earlier conversation could not be loaded.');
      }
    }

    setBusy(busy) {
      this.busy = busy;
      this.sendButton.disabled = busy;
      this.input.setAttribute('aria-busy', String(busy));
      this.panel.setAttribute('aria-busy', String(busy));
    }

    async send(raw) {
      const message = (raw || '').trim();
      if (!message || this.busy) return;
      if (!this.signedIn) {
        this.showError('The tutor needs you to be signed in.');
        return;
      }
      // Nothing leaves without the student's consent (the server refuses it too).
      if (!this.consent || !this.consent.consented) return this.showConsent();
      this.showError('');
      this.setBusy(true);
      this.input.value = '';
      this.addMessage('user', message);
      const reply = this.addMessage('assistant', '');
      reply.item.classList.add('pending');
      this.status.textContent = 'The tutor is answering…';
      const body = { message };
      if (this.enrollmentId) body.enrollmentId = this.enrollmentId;
      else if (this.courseId) body.courseId = this.courseId;
      if (this.conversationId) body.conversationId = this.conversationId;

      let text = '';
      let failed = '';
      try {
        const res = await fetch(
          `${this.apiBase}/api/ai-tutor/chat`,
          this.requestInit({
            method: 'POST',
            headers: this.headers({ 'Content-Type': 'application/json', Accept: 'text/event-stream' }),
            body: JSON.stringify(body),
          }),
        );
        const type = res.headers.get('Content-Type') || '';
        if (!res.ok) {
          failed = await this.problemMessage(res);
          // Consent withdrawn elsewhere (another tab): read it again, so the panel asks before anything is sent.
          if (res.status === 409) this.loadConsent(true);
        } else if (type.includes('text/event-stream') && res.body) {
          await this.readEvents(res.body, (event) => {
            if (event.type === 'delta' && typeof event.text === 'string') {
              text += event.text;
              reply.body.textContent = text;
              this.scrollToEnd();
            } else if (event.type === 'done') {
              if (event.conversationId) this.conversationId = event.conversationId;
              if (typeof event.reply === 'string') text = event.reply;
              reply.body.textContent = text;
            } else if (event.type === 'error') {
              failed = event.detail || 'The tutor stopped before finishing its answer.';
            }
          });
        } else {
          const json = await res.json();
          if (json.conversationId) this.conversationId = json.conversationId;
          text = json.reply || '';
          reply.body.textContent = text;
        }
      } catch {
        failed = 'The tutor could not be reached. Check your connection and try again.';
      }
      reply.item.classList.remove('pending');
      if (failed) {
        if (!text) reply.item.remove();
        this.showError(failed);
        this.status.textContent = '';
        if (!this.input.value) this.input.value = message;
      } else {
        this.status.textContent = 'The tutor answered.';
        this.dispatchEvent(
          new CustomEvent('ai-tutor:reply', { detail: { conversationId: this.conversationId }, bubbles: true, composed: true }),
        );
      }
      this.setBusy(false);
      this.input.focus();
    }

    /** Reads server-sent events from a stream and calls `onEvent` with each event's JSON data. */
    async readEvents(stream, onEvent) {
      const reader = stream.getReader();
      const decoder = new TextDecoder();
      let buffer = '';
      const dispatch = (block) => {
        const data = block
          .split(/\r?\n/)
          .filter((l) => l.startsWith('data:'))
          .map((l) => l.slice(5).replace(/^ /, ''))
          .join('\n');
        if (!data) return;
        try {
          onEvent(JSON.parse(data));
        } catch {
          /* not JSON: ignored */
        }
      };
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let match;
        while ((match = /\r?\n\r?\n/.exec(buffer))) {
          dispatch(buffer.slice(0, match.index));
          buffer = buffer.slice(match.index + match[0].length);
        }
      }
      buffer += decoder.decode();
      if (buffer.trim()) dispatch(buffer);
    }
  }

  customElements.define('ai-tutor', AiTutor);
})();
