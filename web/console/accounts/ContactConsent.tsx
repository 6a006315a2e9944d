import { Alert, Badge, Button, Drawer, Group, Modal, Select, Stack, Text, Textarea, TextInput, Timeline, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconCircleCheck, IconCircleMinus, IconDownload, IconHourglass } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { ContactConsent as Consent, ConsentRecord, SubscriptionStatus } from '../../../src/modules/consent/consent.schema.ts';
import { ErrorAlert } from '../../ui/ErrorAlert.tsx';
import { formatDateTime, humanize } from '../../ui/format.ts';
import { usePhone } from '../../ui/use-phone.ts';
import { api, errorMessage, fieldErrors } from '../api-client.ts';
import { consentKey, useContactConsent } from '../messaging/use-lists.ts';
import { canWrite, isAdmin, useMe } from '../use-me.ts';

const statusColor: Record<SubscriptionStatus, string> = { none: 'gray', unconfirmed: 'yellow', confirmed: 'teal', unsubscribed: 'red' };

/** A member records what the contact asked for, with a note of how they asked (kept as proof). */
function RecordRequest({ consent }: { consent: Consent }) {
  const queryClient = useQueryClient();
  const [purpose, setPurpose] = useState<string | null>(null);
  const [action, setAction] = useState<'granted' | 'withdrawn'>('granted');
  const [note, setNote] = useState('');
  const record = useMutation({
    mutationFn: () =>
      api.post<{ recorded: boolean; reason: string | null; consent: Consent }>(`/contacts/${consent.contact.id}/consent`, {
        listId: purpose === 'service' ? null : purpose,
        action,
        note,
      }),
    onSuccess: (result) => {
      queryClient.setQueryData(consentKey(consent.contact.id), result.consent);
      notifications.show({
        color: result.recorded ? 'teal' : 'yellow',
        message: result.recorded ? 'Recorded in the ledger' : 'Nothing changed: it was already so',
      });
      setNote('');
    },
  });
  const errors = fieldErrors(record.error);
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        record.mutate();
      }}
    >
      <Stack gap="xs">
        <Title order={4} size="h5">
          Record the contact’s request
        </Title>
        <Group grow align="flex-start" wrap="wrap">
          <Select
            label="List"
            placeholder="Choose"
            data={consent.subscriptions.map((s) => ({ value: s.listId ?? 'service', label: s.purposeName }))}
            value={purpose}
            onChange={setPurpose}
            error={errors.listId}
            required
            miw={180}
          />
          <Select
            label="They asked to"
            data={[
              { value: 'granted', label: 'Subscribe' },
              { value: 'withdrawn', label: 'Unsubscribe' },
            ]}
            value={action}
            onChange={(v) => setAction((v as 'granted' | 'withdrawn') ?? 'granted')}
            allowDeselect={false}
            miw={160}
          />
        </Group>
        <Textarea
          label="How they asked"
          description="Kept in the ledger as the proof, e.g. “Asked by email to Sam on 3 May”"
          value={note}
          onChange={(e) => setNote(e.currentTarget.value)}
          error={errors.note}
          autosize
          minRows={2}
          required
        />
        {record.isError && Object.keys(errors).length === 0 && (
          <Text c="red" size="sm">
            {errorMessage(record.error)}
          </Text>
        )}
        <Group justify="flex-end">
          <Button type="submit" loading={record.isPending} disabled={!purpose}>
            Record
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function EraseModal({ consent, onClose }: { consent: Consent; onClose: () => void }) {
  const queryClient = useQueryClient();
  const [confirm, setConfirm] = useState('');
  const erase = useMutation({
    mutationFn: () => api.post<{ recordsRemoved: number; withdrawalsKept: number }>(`/contacts/${consent.contact.id}/consent/erase`, { confirm }),
    onSuccess: (r) => {
      void queryClient.invalidateQueries({ queryKey: consentKey(consent.contact.id) });
      notifications.show({ color: 'teal', message: `Erased ${r.recordsRemoved} records; ${r.withdrawalsKept} hashed withdrawals kept` });
      onClose();
    },
  });
  const errors = fieldErrors(erase.error);
  return (
    <Modal opened onClose={onClose} title="Erase this contact’s consent data?">
      <Stack gap="sm">
        <Text size="sm">
          Every consent record of {consent.contact.name} is deleted, with their messages’ personal data. Only a hash of the address is kept, as a withdrawal per
          list and a suppression, so that no import or form can subscribe it again without their own action. This cannot be undone.
        </Text>
        <TextInput
          label={`Type ${consent.contact.email} to confirm`}
          value={confirm}
          onChange={(e) => setConfirm(e.currentTarget.value)}
          error={errors.confirm}
          data-autofocus
        />
        {erase.isError && Object.keys(errors).length === 0 && (
          <Text c="red" size="sm">
            {errorMessage(erase.error)}
          </Text>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button
            color="red"
            onClick={() => erase.mutate()}
            loading={erase.isPending}
            disabled={confirm.trim().toLowerCase() !== consent.contact.email.toLowerCase()}
          >
            Erase consent data
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

function RecordItem({ record }: { record: ConsentRecord }) {
  const detail = [
    record.wording && `Shown: “${record.wording}”${record.wordingVersion ? ` (version ${record.wordingVersion})` : ''}`,
    record.proof && `Proof: ${record.proof}`,
    record.sourceIp && `From ${record.sourceIp}`,
    record.userAgent,
  ].filter(Boolean);
  return (
    <>
      <Text size="sm" fw={600}>
        {humanize(record.action)} · {record.purposeName}
      </Text>
      <Text size="xs" c="dimmed">
        {formatDateTime(record.at)} · {humanize(record.method)} · by {record.recordedBy}
      </Text>
      {detail.map((d) => (
        <Text key={d as string} size="xs" style={{ wordBreak: 'break-word' }}>
          {d}
        </Text>
      ))}
    </>
  );
}

/** A contact’s consent: status per list, the ledger as a timeline, recording a request, export and erasure. */
export function ContactConsent({ contactId, onClose }: { contactId: string; onClose: () => void }) {
  const me = useMe();
  const phone = usePhone();
  const consent = useContactConsent(contactId);
  const [erasing, setErasing] = useState(false);
  const c = consent.data;
  const exportUrl = (format: 'json' | 'csv') => `/api/v1/contacts/${contactId}/consent/export?format=${format}`;
  return (
    <Drawer opened onClose={onClose} position="right" size={phone ? '100%' : 'lg'} title={c ? `Consent: ${c.contact.name}` : 'Consent'}>
      {consent.isError && <ErrorAlert error={consent.error} title="Could not load consent" />}
      {c && (
        <Stack gap="lg">
          <Group gap="xs">
            <Text size="sm">{c.contact.email || 'No email address'}</Text>
            {c.contact.suppressed && <Badge color="red">Suppressed: {humanize(c.contact.suppressed)}</Badge>}
          </Group>
          <Stack gap={6}>
            <Title order={4} size="h5">
              Subscriptions
            </Title>
            {c.subscriptions.map((s) => (
              <Group key={s.purpose} justify="space-between" wrap="nowrap">
                <Text size="sm">{s.purposeName}</Text>
                <Badge color={statusColor[s.status]} variant="light">
                  {s.status === 'none' ? 'no consent' : s.status}
                </Badge>
              </Group>
            ))}
          </Stack>
          {canWrite(me.data) && c.contact.email && <RecordRequest consent={c} />}
          <Stack gap="xs">
            <Group justify="space-between">
              <Title order={4} size="h5">
                Ledger
              </Title>
              <Group gap="xs">
                <Button component="a" href={exportUrl('json')} size="xs" variant="light" leftSection={<IconDownload size={14} aria-hidden />}>
                  JSON
                </Button>
                <Button component="a" href={exportUrl('csv')} size="xs" variant="light" leftSection={<IconDownload size={14} aria-hidden />}>
                  CSV
                </Button>
              </Group>
            </Group>
            {c.records.length === 0 ? (
              <Text size="sm" c="dimmed">
                No consent recorded yet.
              </Text>
            ) : (
              <Timeline bulletSize={22} lineWidth={2}>
                {c.records.map((r) => (
                  <Timeline.Item
                    key={r.id}
                    color={r.action === 'granted' ? 'teal' : r.action === 'withdrawn' ? 'red' : 'yellow'}
                    bullet={
                      r.action === 'granted' ? (
                        <IconCircleCheck size={14} />
                      ) : r.action === 'withdrawn' ? (
                        <IconCircleMinus size={14} />
                      ) : (
                        <IconHourglass size={14} />
                      )
                    }
                  >
                    <RecordItem record={r} />
                  </Timeline.Item>
                ))}
              </Timeline>
            )}
          </Stack>
          {isAdmin(me.data) && c.contact.email && (
            <Alert color="red" variant="light" title="Data-subject erasure">
              <Group justify="space-between" wrap="wrap">
                <Text size="sm">Remove this contact’s consent data on their request.</Text>
                <Button color="red" variant="outline" size="xs" onClick={() => setErasing(true)}>
                  Erase…
                </Button>
              </Group>
            </Alert>
          )}
        </Stack>
      )}
      {erasing && c && <EraseModal consent={c} onClose={() => setErasing(false)} />}
    </Drawer>
  );
}
