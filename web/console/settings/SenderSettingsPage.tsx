import { Alert, Badge, Button, Center, Code, Group, Loader, NumberInput, Paper, SimpleGrid, Stack, Text, Textarea, TextInput, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useState } from 'react';
import type { SenderSettings, SenderSettingsResult, SenderSettingsUpdate } from '../../../src/modules/messaging/messaging.schema.ts';
import { ErrorAlert } from '../../ui/ErrorAlert.tsx';
import { formatDateTime } from '../../ui/format.ts';
import { SecretValue } from '../../ui/SecretValue.tsx';
import { api, fieldErrors } from '../api-client.ts';
import { isAdmin, useMe } from '../use-me.ts';
import { BounceMailboxFields } from './BounceMailboxFields.tsx';

const senderKey = ['messaging-sender'] as const;

type TextFields = Pick<
  SenderSettings,
  | 'fromName'
  | 'fromAddress'
  | 'transactionalFromName'
  | 'transactionalFromAddress'
  | 'replyTo'
  | 'postalAddress'
  | 'dkimDomain'
  | 'dkimSelector'
  | 'bounceAddress'
  | 'imapUrl'
>;

const textFields = (s: SenderSettings): TextFields => ({
  fromName: s.fromName,
  fromAddress: s.fromAddress,
  transactionalFromName: s.transactionalFromName,
  transactionalFromAddress: s.transactionalFromAddress,
  replyTo: s.replyTo,
  postalAddress: s.postalAddress,
  dkimDomain: s.dkimDomain,
  dkimSelector: s.dkimSelector,
  bounceAddress: s.bounceAddress,
  imapUrl: s.imapUrl,
});

/** Who marketing and transactional mail comes from, the postal address in every footer, the send rate, DKIM and bounces. */
export function SenderSettingsPage() {
  const me = useMe();
  const admin = isAdmin(me.data);
  const queryClient = useQueryClient();
  const settings = useQuery({ queryKey: senderKey, queryFn: () => api.get<SenderSettings>('/messaging/sender'), enabled: admin });
  const [form, setForm] = useState<TextFields | null>(null);
  const [rate, setRate] = useState<number | string>(600);
  const [dkimKey, setDkimKey] = useState('');
  const [imapPassword, setImapPassword] = useState('');
  const [newSecret, setNewSecret] = useState<string | null>(null);
  useEffect(() => {
    if (settings.data && !form) {
      setForm(textFields(settings.data));
      setRate(settings.data.ratePerMinute);
    }
  }, [settings.data, form]);
  const save = useMutation({
    mutationFn: (body: SenderSettingsUpdate) => api.patch<SenderSettingsResult>('/messaging/sender', body),
    onSuccess: (result) => {
      queryClient.setQueryData(senderKey, result.settings);
      queryClient.invalidateQueries({ queryKey: ['outbox'] });
      setForm(textFields(result.settings));
      setDkimKey('');
      setImapPassword('');
      if (result.webhookSecret) setNewSecret(result.webhookSecret);
      notifications.show({ color: 'teal', message: 'Sender settings saved' });
    },
  });
  const errors = fieldErrors(save.error);

  if (!admin) return <Alert color="gray">Only workspace admins can see and change the sender settings.</Alert>;
  if (settings.isPending || !form)
    return (
      <Center py="xl">
        <Loader size="sm" aria-label="Loading the sender settings" />
      </Center>
    );
  if (settings.isError) return <ErrorAlert error={settings.error} title="Could not load the sender settings" />;
  const s = settings.data;
  const field = (key: keyof TextFields, label: string, description?: string, placeholder?: string) => (
    <TextInput
      label={label}
      description={description}
      placeholder={placeholder}
      value={form[key]}
      onChange={(e) => setForm({ ...form, [key]: e.currentTarget.value })}
      error={errors[key]}
    />
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate({
      ...form,
      ratePerMinute: Number(rate),
      ...(dkimKey.trim() ? { dkimPrivateKey: dkimKey.trim() } : {}),
      ...(imapPassword ? { imapPassword } : {}),
    });
  };
  const dkimRecord =
    form.dkimDomain && form.dkimSelector ? `${form.dkimSelector}._domainkey.${form.dkimDomain}  TXT  "v=DKIM1; k=rsa; p=<your public key, base64>"` : null;

  return (
    <form onSubmit={submit}>
      <Stack gap="lg" maw={820}>
        {s.marketingPausedAt && (
          <Alert color="red" title={`Marketing sends paused since ${formatDateTime(s.marketingPausedAt)}`}>
            <Stack gap="xs">
              <Text size="sm">{s.marketingPausedReason}</Text>
              <Group>
                <Button size="xs" color="red" variant="light" loading={save.isPending} onClick={() => save.mutate({ resumeMarketing: true })}>
                  Resume marketing sends
                </Button>
              </Group>
            </Stack>
          </Alert>
        )}
        <Paper withBorder p="md">
          <Stack gap="sm">
            <Title order={2} size="h4">
              Sender identity
            </Title>
            <Text size="sm" c="dimmed">
              Marketing mail (campaigns, streams) comes from the first sender; transactional mail (confirmations, magic links, case updates, digests) from the
              second, so a contact who unsubscribed from marketing still recognises it.
            </Text>
            <SimpleGrid cols={{ base: 1, sm: 2 }}>
              {field('fromName', 'Marketing sender name', 'Default: the workspace name')}
              {field('fromAddress', 'Marketing sender address', `Default: ${s.defaultFromAddress}`, 'news@example.com')}
              {field('transactionalFromName', 'Transactional sender name', 'Default: the marketing sender name')}
              {field('transactionalFromAddress', 'Transactional sender address', 'Default: the marketing sender address', 'support@example.com')}
              {field('replyTo', 'Reply-To', 'Where replies go (optional)')}
              <NumberInput
                label="Messages per minute"
                description="This workspace’s sending rate"
                min={1}
                max={100000}
                value={rate}
                onChange={setRate}
                error={errors.ratePerMinute}
              />
            </SimpleGrid>
            <Textarea
              label="Postal address"
              description="Shown in the footer of every marketing email (required by CAN-SPAM and most bulk-sender rules)"
              autosize
              minRows={2}
              value={form.postalAddress}
              onChange={(e) => setForm({ ...form, postalAddress: e.currentTarget.value })}
              error={errors.postalAddress}
            />
          </Stack>
        </Paper>
        <Paper withBorder p="md">
          <Stack gap="sm">
            <Group gap="xs">
              <Title order={2} size="h4">
                DKIM signing
              </Title>
              <Badge color={s.dkimPrivateKey === 'set' ? 'teal' : 'gray'} variant="light">
                {s.dkimPrivateKey === 'set' ? 'key set' : 'no key'}
              </Badge>
            </Group>
            <Text size="sm" c="dimmed">
              Signs every message, including its List-Unsubscribe and List-Unsubscribe-Post headers (one-click unsubscribe needs both signed). The key is never
              shown again once saved.
            </Text>
            <SimpleGrid cols={{ base: 1, sm: 2 }}>
              {field('dkimDomain', 'Domain', undefined, 'example.com')}
              {field('dkimSelector', 'Selector', undefined, 'momentum2026')}
            </SimpleGrid>
            <Textarea
              label={s.dkimPrivateKey === 'set' ? 'Replace the private key' : 'Private key (PEM)'}
              placeholder="-----BEGIN PRIVATE KEY-----"
              autosize
              minRows={2}
              maxRows={8}
              value={dkimKey}
              onChange={(e) => setDkimKey(e.currentTarget.value)}
              error={errors.dkimPrivateKey}
              styles={{ input: { fontFamily: 'monospace' } }}
            />
            {dkimRecord && (
              <Text size="sm">
                Publish in DNS: <Code>{dkimRecord}</Code>
              </Text>
            )}
            {s.dkimPrivateKey === 'set' && (
              <Group>
                <Button
                  size="xs"
                  variant="default"
                  onClick={() => save.mutate({ dkimDomain: '', dkimSelector: '', dkimPrivateKey: null })}
                  loading={save.isPending}
                >
                  Stop signing
                </Button>
              </Group>
            )}
          </Stack>
        </Paper>
        <Paper withBorder p="md">
          <Stack gap="sm">
            <Title order={2} size="h4">
              Bounces and complaints
            </Title>
            <Text size="sm" c="dimmed">
              SMTP refusals (5xx) suppress the address at once. With a bounce mailbox address, the envelope sender carries each message’s id (bounces+id@…), so
              a bounce names its message. Momentum can read that mailbox over IMAP, and a provider can post bounces and complaints to the webhook below.
            </Text>
            {field('bounceAddress', 'Bounce mailbox address', 'The envelope sender of every message (optional)', 'bounces@example.com')}
            <BounceMailboxFields
              settings={s}
              url={form.imapUrl}
              onUrl={(imapUrl) => setForm({ ...form, imapUrl })}
              password={imapPassword}
              onPassword={setImapPassword}
              errors={errors}
              onRemove={() => save.mutate({ imapUrl: '' })}
              removing={save.isPending}
            />
            <Text size="sm">
              Provider webhook: <Code>POST {s.webhookUrl}</Code> with <Code>Authorization: Bearer &lt;secret&gt;</Code> —{' '}
              {s.webhookSecret === 'set' ? 'a secret is set' : 'no secret yet'}.
            </Text>
            {newSecret && (
              <Alert color="yellow" title="Copy the webhook secret now" withCloseButton onClose={() => setNewSecret(null)}>
                <SecretValue value={newSecret} testId="bounce-webhook-secret" />
              </Alert>
            )}
            <Group>
              <Button size="xs" variant="default" onClick={() => save.mutate({ rotateWebhookSecret: true })} loading={save.isPending}>
                {s.webhookSecret === 'set' ? 'Rotate the webhook secret' : 'Create a webhook secret'}
              </Button>
            </Group>
          </Stack>
        </Paper>
        {save.isError && Object.keys(errors).length === 0 && <ErrorAlert error={save.error} title="Not saved" />}
        <Group>
          <Button type="submit" loading={save.isPending}>
            Save sender settings
          </Button>
          {s.updatedAt && (
            <Text size="xs" c="dimmed">
              Last changed {formatDateTime(s.updatedAt)}
            </Text>
          )}
        </Group>
      </Stack>
    </form>
  );
}
