import { Alert, Button, Group, Loader, Modal, MultiSelect, Radio, Select, Stack, Stepper, Table, Text, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useNavigate } from 'react-router';
import type { AudiencePreview, CampaignDetail } from '../../../src/modules/campaigns/campaigns.schema.ts';
import { personas } from '../../../src/modules/contacts/contacts.schema.ts';
import { ErrorAlert } from '../../ui/ErrorAlert.tsx';
import { humanize } from '../../ui/format.ts';
import { usePhone } from '../../ui/use-phone.ts';
import { api, fieldErrors } from '../api-client.ts';
import { campaignsKey, reasonLabels, useAudienceChoices, useAudiencePreview, useTemplates } from './use-campaigns.ts';

/** Who will receive a campaign and who is excluded, by reason, with a few examples. */
export function AudienceSummary({ preview }: { preview: AudiencePreview }) {
  const reasons = Object.entries(preview.excluded).filter(([, n]) => (n ?? 0) > 0);
  return (
    <Stack gap="xs" data-testid="audience-preview">
      <Text>
        <Text span fw={700} size="lg">
          {preview.willReceive}
        </Text>{' '}
        of {preview.total} contacts will receive it{reasons.length > 0 ? `; ${preview.total - preview.willReceive} excluded:` : '.'}
      </Text>
      {reasons.length > 0 && (
        <Table>
          <Table.Tbody>
            {reasons.map(([reason, n]) => (
              <Table.Tr key={reason}>
                <Table.Td>{reasonLabels[reason] ?? reason}</Table.Td>
                <Table.Td ta="right">{n}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {Object.keys(preview.missingData).length > 0 && (
        <Text size="sm" c="dimmed">
          Missing data:{' '}
          {Object.entries(preview.missingData)
            .map(([path, n]) => `${path} (${n})`)
            .join(', ')}
          {preview.sampled ? ' — estimated from the first 5,000 contacts' : ''}
        </Text>
      )}
      {preview.examples.length > 0 && (
        <Text size="sm" c="dimmed">
          For example:{' '}
          {preview.examples
            .slice(0, 4)
            .map((e) => `${e.name} (${reasonLabels[e.reason] ?? e.reason})`)
            .join(', ')}
        </Text>
      )}
    </Stack>
  );
}

/** New campaign: content, audience with its preview, then send now or schedule. */
export function CampaignWizard({ onClose }: { onClose: () => void }) {
  const phone = usePhone();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const templates = useTemplates();
  const { lists, segments } = useAudienceChoices();
  const [step, setStep] = useState(0);
  const [name, setName] = useState('');
  const [templateId, setTemplateId] = useState<string | null>(null);
  const [listId, setListId] = useState<string | null>(null);
  const [segmentId, setSegmentId] = useState<string | null>(null);
  const [chosen, setChosen] = useState<string[]>([]);
  const [when, setWhen] = useState<'now' | 'later' | 'draft'>('now');
  const [at, setAt] = useState('');
  const audience = templateId && listId ? { templateId, listId, segmentId, personas: chosen } : null;
  const preview = useAudiencePreview(step >= 1 ? audience : null);

  const create = useMutation({
    mutationFn: async () => {
      const campaign = await api.post<CampaignDetail>('/campaigns', { name, templateId, listId, segmentId, personas: chosen });
      if (when === 'draft') return campaign;
      try {
        return await api.post<CampaignDetail>(`/campaigns/${campaign.id}/schedule`, { at: when === 'later' ? new Date(at).toISOString() : null });
      } catch (error) {
        // The draft exists: open it, and say why it was not scheduled.
        navigate(`/messaging/campaigns/${campaign.id}`);
        throw error;
      }
    },
    onSuccess: (c) => {
      queryClient.invalidateQueries({ queryKey: campaignsKey });
      notifications.show({ color: 'teal', message: c.status === 'draft' ? `"${c.name}" saved as a draft` : `"${c.name}" is ${c.status}` });
      navigate(`/messaging/campaigns/${c.id}`);
      onClose();
    },
  });
  const errors = fieldErrors(create.error);
  const marketing = (templates.data ?? []).filter((t) => t.kind === 'marketing');
  const canNext = step === 0 ? name.trim() !== '' && templateId !== null && listId !== null : step === 1 ? !preview.isError : true;

  return (
    <Modal opened onClose={onClose} title="New campaign" size="lg" fullScreen={phone}>
      <Stepper active={step} onStepClick={(s) => s < step && setStep(s)} size="sm">
        <Stepper.Step label="Content">
          <Stack gap="sm" mt="md">
            <TextInput label="Name" required value={name} onChange={(e) => setName(e.currentTarget.value)} error={errors.name} data-autofocus />
            <Select
              label="Template"
              required
              searchable
              value={templateId}
              onChange={setTemplateId}
              data={marketing.map((t) => ({ value: t.id, label: t.name }))}
              error={errors.templateId}
              nothingFoundMessage="No marketing template: create one under Templates"
            />
            <Select
              label="List"
              description="Only contacts who consented to this list receive it"
              required
              value={listId}
              onChange={setListId}
              data={(lists.data ?? []).filter((l) => !l.archivedAt).map((l) => ({ value: l.id, label: l.name }))}
              error={errors.listId}
              nothingFoundMessage="No list: create one under Lists"
            />
          </Stack>
        </Stepper.Step>
        <Stepper.Step label="Audience">
          <Stack gap="sm" mt="md">
            <Select
              label="Segment"
              placeholder="Every account"
              clearable
              value={segmentId}
              onChange={setSegmentId}
              data={(segments.data ?? []).map((s) => ({ value: s.id, label: `${s.name} (${s.count} accounts)` }))}
              error={errors.segmentId}
            />
            <MultiSelect
              label="Personas"
              placeholder="Every persona"
              value={chosen}
              onChange={setChosen}
              data={personas.map((p) => ({ value: p, label: humanize(p) }))}
              error={errors.personas}
            />
            {preview.isFetching && (
              <Group gap="xs">
                <Loader size="xs" />
                <Text size="sm">Counting the audience…</Text>
              </Group>
            )}
            {preview.isError && <ErrorAlert error={preview.error} title="Cannot preview this audience" />}
            {preview.data && !preview.isFetching && <AudienceSummary preview={preview.data} />}
          </Stack>
        </Stepper.Step>
        <Stepper.Step label="Send">
          <Stack gap="sm" mt="md">
            <Radio.Group value={when} onChange={(v) => setWhen(v as typeof when)} label="When">
              <Stack gap="xs" mt="xs">
                <Radio value="now" label="Send now (starts within a minute)" />
                <Radio value="later" label="Schedule" />
                <Radio value="draft" label="Save as a draft" />
              </Stack>
            </Radio.Group>
            {when === 'later' && (
              <TextInput
                type="datetime-local"
                label="Send at (your time)"
                required
                value={at}
                onChange={(e) => setAt(e.currentTarget.value)}
                error={errors.at}
              />
            )}
            {preview.data && (
              <Alert color="blue">
                {preview.data.willReceive} of {preview.data.total} contacts will receive it (consent is checked again when each message is sent).
              </Alert>
            )}
            {create.isError && Object.keys(errors).length === 0 && <ErrorAlert error={create.error} title="Could not create the campaign" />}
          </Stack>
        </Stepper.Step>
      </Stepper>
      <Group justify="space-between" mt="lg">
        <Button variant="default" onClick={() => (step === 0 ? onClose() : setStep(step - 1))}>
          {step === 0 ? 'Cancel' : 'Back'}
        </Button>
        {step < 2 ? (
          <Button onClick={() => setStep(step + 1)} disabled={!canNext}>
            Next
          </Button>
        ) : (
          <Button onClick={() => create.mutate()} loading={create.isPending} disabled={when === 'later' && at === ''}>
            {when === 'now' ? 'Send now' : when === 'later' ? 'Schedule' : 'Save draft'}
          </Button>
        )}
      </Group>
    </Modal>
  );
}
