import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { listenOnFreePort } from './ports';

/**
 * A real SMTP server on loopback that keeps every message it accepts, parsed. `mailFromDelayMs` holds each
 * session at MAIL FROM, before any of the message is sent: a window in which to kill a sender mid-activity.
 * `hold()` stops every session at RCPT TO (its recipient known, nothing of the message handed over) until `release()`,
 * however long; `held()` lists them with the sender's port, to tell which process is inside which email.
 */
export async function startSmtpServer(options: { mailFromDelayMs?: number } = {}) {
  const messages: ParsedMail[] = [];
  let gate: { opened: Promise<void>; open: () => void } | undefined;
  const held = new Set<{ remotePort: number; to: string }>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onMailFrom(_address, _session, callback) {
      setTimeout(() => callback(), options.mailFromDelayMs ?? 0);
    },
    onRcptTo(address, session, callback) {
      if (!gate) return callback();
      const entry = { remotePort: session.remotePort, to: address.address };
      held.add(entry);
      void gate.opened.then(() => {
        held.delete(entry);
        callback();
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
    /** From now on every session waits at RCPT TO (nothing of its message handed over) until `release()`. */
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
    /** The sessions `hold()` keeps waiting (a sender that died meanwhile stays listed until release). */
    held: () => [...held],
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
