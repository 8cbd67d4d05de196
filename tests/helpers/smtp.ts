import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { listenOnFreePort } from './ports';

/**
 * A real SMTP server on loopback that keeps every message it accepts, parsed. `mailFromDelayMs` holds each
 * session at MAIL FROM, before any of the message is sent: a window in which to kill a sender mid-activity.
 * `hold()` does the same for every session from then until `release()`, however long (`held` counts them).
 */
export async function startSmtpServer(options: { mailFromDelayMs?: number } = {}) {
  const messages: ParsedMail[] = [];
  let gate: { opened: Promise<void>; open: () => void } | undefined;
  const state = { held: 0 };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onMailFrom(_address, _session, callback) {
      const go = () => setTimeout(() => callback(), options.mailFromDelayMs ?? 0);
      if (!gate) return go();
      state.held += 1;
      void gate.opened.then(() => {
        state.held -= 1;
        go();
      });
    },
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((mail) => {
          messages.push(mail);
          callback();
        })
        .catch(callback);
    },
  });
  // A sender killed mid-session (the crash tests) resets its connection: that is the point, not a failure of the server.
  server.on('error', () => undefined);
  const port = await listenOnFreePort(server.server);
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    to: (address: string) => messages.filter((m) => JSON.stringify(m.to).includes(address)),
    /** From now on every session waits at MAIL FROM (nothing of its message handed over) until `release()`. */
    hold() {
      if (gate) return;
      let open!: () => void;
      const opened = new Promise<void>((resolve) => (open = resolve));
      gate = { opened, open };
    },
    release() {
      gate?.open();
      gate = undefined;
    },
    /** Sessions waiting at MAIL FROM because of `hold()` (a sender that died meanwhile still counts until release). */
    get held() {
      return state.held;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
