import { Alert, Button, Group, Modal, MultiSelect, Radio, Stack, Text, Textarea, TextInput } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import type { WebhookEndpoint, WebhookEventInfo, WebhookSecretResult } from '../../../src/modules/webhooks/webhooks.schema.ts';
import { FormActions } from '../../ui/FormActions.tsx';
import { SecretValue } from '../../ui/SecretValue.tsx';
import { api, fieldErrors } from '../api-client.ts';

export const webhooksKey = ['webhooks'] as const;

/** The signing secret, shown once after creating an endpoint or rotating its secret. */
export function SecretModal({ title, secret, note, onClose }: { title: string; secret: string; note?: string; onClose: () => void }) {
  return (
    <Modal opened onClose={onClose} title={title} size="lg" closeOnClickOutside={false}>
      <Stack gap="md">
        <Alert color="yellow" variant="light" title="Copy the signing secret now">
          This is the only time Momentum shows it. Your receiver verifies each request's webhook-signature with it.{note ? ` ${note}` : ''}
        </Alert>
        <SecretValue value={secret} testId="webhook-secret" />
        <Group justify="flex-end">
          <Button onClick={onClose}>Done</Button>
        </Group>
      </Stack>
    </Modal>
  );
}

type Choice = 'all' | 'some' | 'none';

/** Add or edit an endpoint: URL, description, and which events it receives. */
export function WebhookFormModal({ endpoint, onClose }: { endpoint?: WebhookEndpoint; onClose: () => void }) {
  const queryClient = useQueryClient();
  const catalogue = useQuery({
    queryKey: ['webhook-events'],
    queryFn: () => api.get<{ items: WebhookEventInfo[] }>('/webhook-events').then((r) => r.items),
    staleTime: Number.POSITIVE_INFINITY,
  });
  const [url, setUrl] = useState(endpoint?.url ?? '');
  const [description, setDescription] = useState(endpoint?.description ?? '');
  const [choice, setChoice] = useState<Choice>(endpoint?.events === null || !endpoint ? 'all' : endpoint.events.length === 0 ? 'none' : 'some');
  const [events, setEvents] = useState<string[]>(endpoint?.events ?? []);
  const save = useMutation<WebhookEndpoint | WebhookSecretResult>({
    mutationFn: () => {
      const body = { url: url.trim(), description, events: choice === 'all' ? null : choice === 'none' ? [] : events };
      return endpoint ? api.patch<WebhookEndpoint>(`/webhooks/${endpoint.id}`, body) : api.post<WebhookSecretResult>('/webhooks', body);
    },
    onSuccess: () => {
      queryClient.invalidateQueries({ queryKey: webhooksKey });
      if (endpoint) onClose();
    },
  });
  const errors = fieldErrors(save.error);
  const eventsError = Object.entries(errors).find(([key]) => key.startsWith('events'))?.[1];

  if (save.data && 'secret' in save.data) {
    return <SecretModal title={`Endpoint ${save.data.endpoint.url} added`} secret={save.data.secret} onClose={onClose} />;
  }
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };

  return (
    <Modal opened onClose={onClose} title={endpoint ? 'Edit webhook endpoint' : 'New webhook endpoint'} size="lg">
      <form onSubmit={submit} noValidate>
        <Stack gap="md">
          <TextInput
            label="URL"
            description="Where Momentum posts events (https:// recommended). Private and loopback addresses are refused unless the server allows them."
            placeholder="https://crm.example.com/hooks/momentum"
            required
            value={url}
            onChange={(e) => setUrl(e.currentTarget.value)}
            error={errors.url}
            data-autofocus
          />
          <Textarea
            label="Description"
            autosize
            minRows={1}
            value={description}
            onChange={(e) => setDescription(e.currentTarget.value)}
            error={errors.description}
          />
          <Radio.Group label="Events" value={choice} onChange={(v) => setChoice(v as Choice)}>
            <Stack gap="xs" mt="xs">
              <Radio value="all" label="All events" description="Including events Momentum adds later" />
              <Radio value="some" label="Selected events" />
              <Radio value="none" label="No events" description="Only calls from automated moments' webhook actions to this URL" />
            </Stack>
          </Radio.Group>
          {choice === 'some' && (
            <MultiSelect
              label="Selected events"
              placeholder={events.length === 0 ? 'Choose events' : undefined}
              data={(catalogue.data ?? []).map((e) => ({ value: e.name, label: e.name }))}
              value={events}
              onChange={setEvents}
              searchable
              error={eventsError}
            />
          )}
          {choice === 'some' && events.length > 0 && catalogue.data && (
            <Text size="xs" c="dimmed">
              {events.map((name) => `${name}: sent when ${catalogue.data.find((e) => e.name === name)?.when ?? '…'}`).join(' · ')}
            </Text>
          )}
          <FormActions submitLabel={endpoint ? 'Save' : 'Add endpoint'} saving={save.isPending} onCancel={onClose} />
        </Stack>
      </form>
    </Modal>
  );
}
