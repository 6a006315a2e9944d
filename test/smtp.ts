import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

export interface ReceivedMail {
  /** MAIL FROM and RCPT TO of the SMTP envelope. */
  envelope: { from: string; to: string[] };
  /** The message exactly as it arrived (for DKIM verification). */
  raw: Buffer;
  parsed: ParsedMail;
}

export interface TestSmtpServer {
  port: number;
  /** smtp://127.0.0.1:<port> — SMTP_URL for the code under test. */
  url: string;
  received: ReceivedMail[];
  /** Resolves once `count` messages have arrived in total (rejects after timeoutMs). */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  /**
   * Decides the answer to each RCPT TO: undefined accepts; a `{code, message}` refuses (4xx temporary, 5xx permanent).
   * Replace it between tests.
   */
  onRecipient: (address: string) => { code: number; message: string } | undefined;
  close(): Promise<void>;
}

/**
 * A real SMTP server on 127.0.0.1 (a free port), without TLS or authentication, that parses each message it accepts
 * with mailparser. `parse: false` keeps only the raw bytes (benchmarks).
 */
export async function startSmtpServer(options: { parse?: boolean } = {}): Promise<TestSmtpServer> {
  const received: ReceivedMail[] = [];
  const waiters: { count: number; resolve: (mails: ReceivedMail[]) => void }[] = [];
  const notify = () => {
    for (const w of [...waiters]) {
      if (received.length >= w.count) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(received.slice(0, w.count));
      }
    }
  };
  const state: Pick<TestSmtpServer, 'onRecipient'> = { onRecipient: () => undefined };
  const serverOptions: SMTPServerOptions = {
    secure: false,
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    size: 25 * 1024 * 1024,
    onRcptTo(address, _session, callback) {
      const refusal = state.onRecipient(address.address);
      if (!refusal) return callback();
      const error = new Error(refusal.message) as Error & { responseCode: number };
      error.responseCode = refusal.code;
      return callback(error);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', async () => {
        const raw = Buffer.concat(chunks);
        const envelope = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
        };
        try {
          const parsed = options.parse === false ? ({} as ParsedMail) : await simpleParser(raw);
          received.push({ envelope, raw, parsed });
          notify();
          callback();
        } catch (error) {
          callback(error as Error);
        }
      });
    },
  };
  const server = new SMTPServer(serverOptions);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as AddressInfo).port;
  const smtp: TestSmtpServer = {
    port,
    url: `smtp://127.0.0.1:${port}`,
    received,
    get onRecipient() {
      return state.onRecipient;
    },
    set onRecipient(fn) {
      state.onRecipient = fn;
    },
    waitFor(count, timeoutMs = 10_000) {
      if (received.length >= count) return Promise.resolve(received.slice(0, count));
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`expected ${count} messages, received ${received.length}`)), timeoutMs);
        waiters.push({
          count,
          resolve: (mails) => {
            clearTimeout(timer);
            resolve(mails);
          },
        });
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  return smtp;
}

/** A header's raw value, unfolded (mailparser folds List-* headers into one object; the lines are what a mailbox sees). */
export function header(parsed: Pick<ParsedMail, 'headerLines'>, name: string): string | undefined {
  const line = parsed.headerLines.find((h) => h.key === name.toLowerCase())?.line;
  return line
    ?.slice(line.indexOf(':') + 1)
    .replace(/\r?\n\s+/g, ' ')
    .trim();
}
