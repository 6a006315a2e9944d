import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';

export interface TestImapServer {
  port: number;
  user: string;
  password: string;
  /** imap://user:password@127.0.0.1:<port>/INBOX — the bounce mailbox URL for the code under test. */
  url: string;
  /** A logged-in client of the mailbox (log it out when done). */
  client(): Promise<ImapFlow>;
  /** Delivers a mail into INBOX (unseen) and returns its UID. */
  append(raw: string | Buffer): Promise<number>;
  /** The flags of every mail in INBOX by UID. */
  flags(): Promise<Map<number, Set<string>>>;
  close(): Promise<void>;
}

/** Debian's dovecot-imapd (`.ci/run` installs it). */
const DOVECOT = ['/usr/sbin/dovecot', '/usr/bin/dovecot'].find((path) => existsSync(path));

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once the server greets on the port (the greeting comes after its login process started). */
async function waitForGreeting(port: number, child: ChildProcess, log: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`dovecot exited (${child.exitCode}): ${existsSync(log) ? readFileSync(log, 'utf8') : ''}`);
    const greeted = await new Promise<boolean>((resolve) => {
      const socket = new Socket();
      socket.setTimeout(1000);
      socket.once('data', (data) => {
        socket.destroy();
        resolve(data.toString().startsWith('* OK'));
      });
      socket.once('error', () => resolve(false));
      socket.once('timeout', () => {
        socket.destroy();
        resolve(false);
      });
      socket.connect(port, '127.0.0.1');
    });
    if (greeted) return;
    if (Date.now() > deadline) throw new Error(`dovecot did not greet on 127.0.0.1:${port}: ${existsSync(log) ? readFileSync(log, 'utf8') : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * A real IMAP server: Dovecot started from a temporary directory with its own minimal configuration (one user with a
 * plain password in a passwd-file, Maildir in the directory, plain IMAP on 127.0.0.1 at a free port, no TLS). As root,
 * its login processes run as `dovenull` and mail is stored as `dovecot` (users the Debian package creates; Dovecot
 * refuses root for both); otherwise everything runs as the current user.
 */
export async function startImapServer(): Promise<TestImapServer> {
  if (!DOVECOT) throw new Error('Dovecot is not installed: apt-get install -y dovecot-imapd (.ci/run installs it when missing)');
  const dir = mkdtempSync(join(tmpdir(), 'momentum-imap-'));
  chmodSync(dir, 0o755);
  const root = process.getuid?.() === 0;
  const me = userInfo();
  const group = root ? 'dovecot' : execFileSync('id', ['-gn']).toString().trim();
  const mailUser = root ? 'dovecot' : me.username;
  const mail = join(dir, 'mail');
  for (const sub of ['base', 'state', 'mail']) mkdirSync(join(dir, sub));
  if (root) {
    const uid = Number(execFileSync('id', ['-u', 'dovecot']).toString());
    const gid = Number(execFileSync('id', ['-g', 'dovecot']).toString());
    chownSync(mail, uid, gid);
  }
  const user = 'bounces';
  const password = 'test-Passw0rd';
  const port = await freePort();
  const log = join(dir, 'dovecot.log');
  writeFileSync(join(dir, 'passwd'), `${user}:{PLAIN}${password}::::::\n`);
  const conf = join(dir, 'dovecot.conf');
  writeFileSync(
    conf,
    `base_dir = ${dir}/base
state_dir = ${dir}/state
log_path = ${log}
instance_name = momentum-test-${port}
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
# A wrong password answers at once (the default waits 2 seconds, against guessing).
auth_failure_delay = 0
default_internal_user = ${root ? 'dovecot' : me.username}
default_internal_group = ${group}
default_login_user = ${root ? 'dovenull' : me.username}
mail_location = maildir:${mail}/%u
# The mail user may be a system user (dovecot) below Dovecot's default of 500.
first_valid_uid = 1
first_valid_gid = 1
passdb {
  driver = passwd-file
  args = scheme=PLAIN ${dir}/passwd
}
userdb {
  driver = static
  args = uid=${mailUser} gid=${group} home=${mail}/%u
}
# Nor does the next login from 127.0.0.1 wait (Dovecot's auth penalty, off as its documentation says).
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
`,
  );
  const child = spawn(DOVECOT, ['-F', '-c', conf], { stdio: 'ignore' });
  const stop = () => child.kill('SIGTERM');
  process.once('exit', stop);
  try {
    await waitForGreeting(port, child, log);
  } catch (error) {
    stop();
    throw error;
  }
  const connect = async () => {
    const client = new ImapFlow({ host: '127.0.0.1', port, secure: false, auth: { user, pass: password }, logger: false, disableAutoIdle: true });
    client.on('error', () => undefined);
    await client.connect();
    return client;
  };
  return {
    port,
    user,
    password,
    url: `imap://${user}:${password}@127.0.0.1:${port}/INBOX`,
    client: connect,
    async append(raw) {
      const client = await connect();
      try {
        const appended = await client.append('INBOX', raw, []);
        if (!appended || appended.uid === undefined) throw new Error('the server did not say the UID of the appended mail');
        return appended.uid;
      } finally {
        await client.logout();
      }
    },
    async flags() {
      const client = await connect();
      try {
        const lock = await client.getMailboxLock('INBOX');
        try {
          const found = new Map<number, Set<string>>();
          if (client.mailbox === false || client.mailbox.exists === 0) return found;
          for (const m of await client.fetchAll('1:*', { uid: true, flags: true })) found.set(m.uid, m.flags ?? new Set());
          return found;
        } finally {
          lock.release();
        }
      } finally {
        await client.logout();
      }
    },
    async close() {
      process.removeListener('exit', stop);
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        stop();
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
