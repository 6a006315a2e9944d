import { Alert, Badge, Button, Code, Group, PasswordInput, SimpleGrid, Stack, Text, TextInput } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import type { MailboxReadResult, MailboxTestInput, MailboxTestResult, SenderSettings } from '../../../src/modules/messaging/messaging.schema.ts';
import { ErrorAlert } from '../../ui/ErrorAlert.tsx';
import { formatDateTime } from '../../ui/format.ts';
import { api } from '../api-client.ts';

interface Props {
  settings: SenderSettings;
  url: string;
  onUrl: (url: string) => void;
  password: string;
  onPassword: (password: string) => void;
  errors: Record<string, string>;
  onRemove: () => void;
  removing: boolean;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** What the last read found, in a sentence (only what it found). */
function describeRead(r: MailboxReadResult): string {
  const parts = [
    r.hardBounces && plural(r.hardBounces, 'hard bounce'),
    r.softBounces && plural(r.softBounces, 'soft bounce'),
    r.complaints && plural(r.complaints, 'complaint'),
    r.unsubscribes && plural(r.unsubscribes, 'unsubscribe request'),
    r.deliveryReports && plural(r.deliveryReports, 'delivery report'),
    r.invalidTokens && `${plural(r.invalidTokens, 'unsubscribe request')} with an invalid token (ignored)`,
    r.unmatched && `${plural(r.unmatched, 'report')} naming no message of ours (left)`,
    r.unrecognised && `${plural(r.unrecognised, 'other mail', 'other mails')} (left unread)`,
    r.alreadyDone && `${plural(r.alreadyDone, 'mail')} already handled`,
  ].filter(Boolean);
  const found = r.read === 0 ? 'no new mail' : `${plural(r.read, 'mail')}: ${parts.join(', ')}`;
  return r.remaining > 0 ? `${found}; ${r.remaining} more next time` : found;
}

/** The bounce mailbox read over IMAP: its URL, write-only password, a connection test and how the last read went. */
export function BounceMailboxFields({ settings: s, url, onUrl, password, onPassword, errors, onRemove, removing }: Props) {
  const test = useMutation({
    mutationFn: (body: MailboxTestInput) => api.post<MailboxTestResult>('/messaging/sender/mailbox-test', body),
  });
  const changed = url.trim() !== s.imapUrl || password !== '';
  const runTest = () => test.mutate(changed ? { imapUrl: url.trim(), ...(password ? { imapPassword: password } : {}) } : {});
  const result = test.data;

  return (
    <Stack gap="sm">
      <Group gap="xs">
        <Text fw={600} size="sm">
          Bounce mailbox (IMAP)
        </Text>
        <Badge color={s.imapUrl ? 'teal' : 'gray'} variant="light">
          {s.imapUrl ? 'read every 5 minutes' : 'not read'}
        </Badge>
      </Group>
      <Text size="sm" c="dimmed">
        The mailbox that receives at the bounce address (and its plus-addresses). Momentum reads its unread mail: bounces (DSN) suppress or record, abuse
        reports (ARF) count as complaints, unsubscribe requests withdraw consent; other mail is left unread. While it is set, marketing mail’s List-Unsubscribe
        also offers <Code>mailto:{s.bounceAddress || 'the bounce address'}</Code>.
      </Text>
      <SimpleGrid cols={{ base: 1, sm: 2 }}>
        <TextInput
          label="IMAP URL"
          description="imaps://user@host/INBOX (an @ in the user as %40)"
          placeholder="imaps://bounces%40example.com@imap.fastmail.com/INBOX"
          value={url}
          onChange={(e) => onUrl(e.currentTarget.value)}
          error={errors.imapUrl}
        />
        <PasswordInput
          label={s.imapPassword === 'set' ? 'Replace the password' : 'Password'}
          description={s.imapPassword === 'set' ? 'A password is saved (never shown); leave empty to keep it' : 'An app password where the provider has them'}
          value={password}
          onChange={(e) => onPassword(e.currentTarget.value)}
          error={errors.imapPassword}
          autoComplete="new-password"
        />
      </SimpleGrid>
      <Group>
        <Button size="xs" variant="default" onClick={runTest} loading={test.isPending} disabled={!url.trim() && !s.imapUrl}>
          Test connection
        </Button>
        {s.imapUrl && (
          <Button size="xs" variant="default" color="red" onClick={onRemove} loading={removing}>
            Stop reading the mailbox
          </Button>
        )}
      </Group>
      {test.isError && <ErrorAlert error={test.error} title="Could not test the mailbox" />}
      {result &&
        (result.ok ? (
          <Alert color="teal" title="Logged in" withCloseButton onClose={() => test.reset()}>
            {result.mailbox}: {plural(result.messages ?? 0, 'message')}, {result.unseen ?? 0} unread.
          </Alert>
        ) : (
          <Alert color="red" title="The mailbox could not be read" withCloseButton onClose={() => test.reset()}>
            {result.error}
          </Alert>
        ))}
      {s.imapUrl && s.imapError && (
        <Alert color="red" title={`The last read failed${s.imapErrorAt ? ` (${formatDateTime(s.imapErrorAt)})` : ''}`}>
          {s.imapError}. Momentum tries again later, waiting longer after each failure; saving the settings retries at the next read.
        </Alert>
      )}
      {s.imapUrl && (
        <Text size="sm" c="dimmed">
          {s.imapReadAt ? `Last read ${formatDateTime(s.imapReadAt)}${s.imapResult ? `: ${describeRead(s.imapResult)}` : ''}.` : 'Not read yet.'}
        </Text>
      )}
    </Stack>
  );
}
