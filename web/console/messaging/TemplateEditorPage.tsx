import { Alert, Anchor, Badge, Button, Grid, Group, Paper, SegmentedControl, Select, Stack, Text, Textarea, TextInput, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import type { ContactView } from '../../../src/modules/contacts/contacts.schema.ts';
import type { Template, TemplatePreview, TemplateTestResult } from '../../../src/modules/templates/templates.schema.ts';
import { ErrorAlert } from '../../ui/ErrorAlert.tsx';
import { api, errorMessage, fieldErrors } from '../api-client.ts';
import { canWrite, useMe } from '../use-me.ts';
import { templatesKey, useTemplate } from './use-campaigns.ts';

interface Draft {
  key: string;
  name: string;
  kind: 'marketing' | 'transactional';
  subject: string;
  bodyFormat: 'simple' | 'mjml';
  body: string;
  text: string;
}

const blank: Draft = {
  key: '',
  name: '',
  kind: 'marketing',
  subject: 'Hello {{ contact.first_name }}',
  bodyFormat: 'simple',
  body: '<h2>Hi {{ contact.first_name }},</h2>\n<p>Welcome to {{ workspace.name }}.</p>\n<p>{{ team.csm.name | default: "Your team" }}</p>',
  text: '',
};

const fromTemplate = (t: Template): Draft => ({
  key: t.key,
  name: t.name,
  kind: t.kind,
  subject: t.subject,
  bodyFormat: t.bodyFormat,
  body: t.body,
  text: t.text ?? '',
});

const mono = { input: { fontFamily: 'ui-monospace, SFMono-Regular, Menlo, monospace', fontSize: 13 } };

/** Chooses the contact the preview renders as (a sample contact when none). */
function ContactPicker({ value, onChange }: { value: string | null; onChange: (id: string | null) => void }) {
  const [search, setSearch] = useState('');
  const [q] = useDebouncedValue(search, 300);
  const contacts = useQuery({
    queryKey: ['contacts', 'picker', q],
    queryFn: () => api.get<{ items: ContactView[] }>('/contacts', { q: q || undefined, limit: 20 }).then((r) => r.items),
  });
  return (
    <Select
      label="Preview as"
      placeholder="A sample contact"
      searchable
      clearable
      searchValue={search}
      onSearchChange={setSearch}
      value={value}
      onChange={onChange}
      data={(contacts.data ?? []).map((c) => ({ value: c.id, label: `${c.name} <${c.email}>` }))}
      nothingFoundMessage="No contact matches"
    />
  );
}

/** Creates or edits a template, with a live preview as a chosen contact and errors shown at their field. */
export function TemplateEditorPage() {
  const { ref } = useParams();
  const creating = !ref || ref === 'new';
  const existing = useTemplate(creating ? undefined : ref);
  const me = useMe();
  const writable = canWrite(me.data);
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState<Draft>(blank);
  const [contactId, setContactId] = useState<string | null>(null);
  useEffect(() => {
    if (existing.data) setDraft(fromTemplate(existing.data));
  }, [existing.data]);
  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => setDraft((d) => ({ ...d, [key]: value }));

  const [debounced] = useDebouncedValue({ ...draft, contactId }, 500);
  const preview = useQuery({
    queryKey: ['template-preview', debounced.subject, debounced.bodyFormat, debounced.body, debounced.text, debounced.contactId],
    queryFn: () =>
      api.post<TemplatePreview>('/templates/preview', {
        contactId: debounced.contactId,
        subject: debounced.subject,
        bodyFormat: debounced.bodyFormat,
        body: debounced.body,
        text: debounced.text.trim() === '' ? null : debounced.text,
      }),
    enabled: debounced.subject.trim() !== '' && debounced.body.trim() !== '',
    retry: false,
    placeholderData: (previous) => previous,
  });

  const save = useMutation({
    mutationFn: () => {
      const body = {
        name: draft.name,
        kind: draft.kind,
        subject: draft.subject,
        bodyFormat: draft.bodyFormat,
        body: draft.body,
        text: draft.text.trim() === '' ? null : draft.text,
      };
      return creating ? api.post<Template>('/templates', { ...body, key: draft.key }) : api.patch<Template>(`/templates/${existing.data?.id}`, body);
    },
    onSuccess: (t) => {
      notifications.show({ color: 'teal', message: `Template "${t.name}" saved` });
      queryClient.invalidateQueries({ queryKey: templatesKey });
      if (creating) navigate(`/messaging/templates/${t.key}`, { replace: true });
    },
  });
  const archive = useMutation({
    mutationFn: (archived: boolean) => api.patch<Template>(`/templates/${existing.data?.id}`, { archived }),
    onSuccess: (t) => {
      queryClient.invalidateQueries({ queryKey: templatesKey });
      notifications.show({ color: 'teal', message: t.archived ? `"${t.name}" archived` : `"${t.name}" restored` });
    },
    onError: (error) => notifications.show({ color: 'red', message: errorMessage(error) }),
  });
  const test = useMutation({
    mutationFn: () => api.post<TemplateTestResult>(`/templates/${existing.data?.id}/test`, { contactId }),
    onSuccess: (r) =>
      notifications.show(
        r.queued ? { color: 'teal', message: `Test sent to ${r.to}: it is in the outbox` } : { color: 'yellow', message: r.reason ?? 'Not sent' },
      ),
    onError: (error) => notifications.show({ color: 'red', message: errorMessage(error) }),
  });

  // Save errors win; otherwise the live preview's validation errors are shown at their field.
  const errors = { ...fieldErrors(preview.error), ...fieldErrors(save.error) };
  const dirty = creating || (existing.data && JSON.stringify(fromTemplate(existing.data)) !== JSON.stringify(draft));

  if (!creating && existing.isError) return <ErrorAlert error={existing.error} title="Could not load the template" />;
  return (
    <Stack gap="md">
      <Group justify="space-between">
        <Anchor component={Link} to="/messaging/templates" size="sm">
          ← Templates
        </Anchor>
        {existing.data?.archived && <Badge color="gray">archived</Badge>}
      </Group>
      <Grid gap="md">
        <Grid.Col span={{ base: 12, md: 6 }}>
          <Paper withBorder p="lg">
            <Stack gap="sm">
              <Title order={2} size="h3">
                {creating ? 'New template' : draft.name || 'Template'}
              </Title>
              <Group grow align="flex-start">
                <TextInput
                  label="Name"
                  required
                  value={draft.name}
                  onChange={(e) => set('name', e.currentTarget.value)}
                  error={errors.name}
                  disabled={!writable}
                />
                <TextInput
                  label="Key"
                  description="Used by model files and streams"
                  required
                  value={draft.key}
                  onChange={(e) => set('key', e.currentTarget.value)}
                  error={errors.key}
                  disabled={!creating || !writable}
                />
              </Group>
              <Group grow align="flex-start">
                <Select
                  label="Kind"
                  value={draft.kind}
                  onChange={(v) => v && set('kind', v as Draft['kind'])}
                  data={[
                    { value: 'marketing', label: 'Marketing (campaigns, streams: needs list consent)' },
                    { value: 'transactional', label: 'Transactional (service messages)' },
                  ]}
                  allowDeselect={false}
                  disabled={!writable}
                />
                <div>
                  <Text size="sm" fw={500} mb={4}>
                    Body format
                  </Text>
                  <SegmentedControl
                    fullWidth
                    value={draft.bodyFormat}
                    onChange={(v) => set('bodyFormat', v as Draft['bodyFormat'])}
                    data={[
                      { value: 'simple', label: 'Simple HTML' },
                      { value: 'mjml', label: 'MJML' },
                    ]}
                    disabled={!writable}
                  />
                </div>
              </Group>
              <TextInput
                label="Subject"
                required
                value={draft.subject}
                onChange={(e) => set('subject', e.currentTarget.value)}
                error={errors.subject}
                styles={mono}
                disabled={!writable}
              />
              <Textarea
                label="Body"
                description={
                  draft.bodyFormat === 'simple'
                    ? 'HTML content with Liquid, placed in a responsive layout'
                    : 'A whole <mjml> document; Liquid inside mj-text, mj-button or mj-raw'
                }
                required
                autosize
                minRows={10}
                maxRows={30}
                value={draft.body}
                onChange={(e) => set('body', e.currentTarget.value)}
                error={errors.body}
                styles={mono}
                disabled={!writable}
              />
              <Textarea
                label="Plain-text part"
                description="Liquid; leave empty to derive it from the HTML"
                autosize
                minRows={3}
                maxRows={15}
                value={draft.text}
                onChange={(e) => set('text', e.currentTarget.value)}
                error={errors.text}
                styles={mono}
                disabled={!writable}
              />
              {save.isError && Object.keys(fieldErrors(save.error)).length === 0 && <ErrorAlert error={save.error} title="Could not save" />}
              {writable && (
                <Group justify="space-between">
                  <Group gap="xs">
                    {!creating && existing.data && (
                      <Button variant="default" onClick={() => archive.mutate(!existing.data?.archived)} loading={archive.isPending}>
                        {existing.data.archived ? 'Restore' : 'Archive'}
                      </Button>
                    )}
                    {!creating && (
                      <Button
                        variant="light"
                        onClick={() => test.mutate()}
                        loading={test.isPending}
                        disabled={Boolean(dirty)}
                        title={dirty ? 'Save first' : undefined}
                      >
                        Send me a test
                      </Button>
                    )}
                  </Group>
                  <Button onClick={() => save.mutate()} loading={save.isPending} disabled={!dirty}>
                    {creating ? 'Create template' : 'Save'}
                  </Button>
                </Group>
              )}
            </Stack>
          </Paper>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 6 }}>
          <Paper withBorder p="lg">
            <Stack gap="sm">
              <Group justify="space-between" align="flex-end">
                <Title order={3} size="h4">
                  Preview
                </Title>
                {preview.isFetching && (
                  <Text size="xs" c="dimmed">
                    Rendering…
                  </Text>
                )}
              </Group>
              <ContactPicker value={contactId} onChange={setContactId} />
              {preview.isError && Object.keys(fieldErrors(preview.error)).length === 0 && <ErrorAlert error={preview.error} title="Preview failed" />}
              {preview.isError && Object.keys(fieldErrors(preview.error)).length > 0 && (
                <Alert color="red" title="The template has an error">
                  {Object.values(fieldErrors(preview.error)).join('; ')}
                </Alert>
              )}
              {preview.data && preview.data.missing.length > 0 && (
                <Alert color="yellow" title={`${preview.data.contact.name} would be excluded`}>
                  No value for {preview.data.missing.join(', ')}: a send to this contact is skipped as missing data (shown below with the gaps blank).
                </Alert>
              )}
              {preview.data && (
                <>
                  <Text size="sm">
                    <Text span c="dimmed">
                      Subject:{' '}
                    </Text>
                    <Text span fw={600} data-testid="preview-subject">
                      {preview.data.subject}
                    </Text>
                  </Text>
                  {/* A new frame per preview: Chromium does not always reload a sandboxed frame whose srcdoc changed. */}
                  <iframe
                    key={preview.dataUpdatedAt}
                    title="Email preview"
                    sandbox=""
                    srcDoc={preview.data.html ?? ''}
                    style={{ width: '100%', height: 520, border: '1px solid var(--mantine-color-gray-3)', borderRadius: 6, background: 'white' }}
                  />
                  <Textarea label="Plain text" readOnly autosize minRows={3} maxRows={12} value={preview.data.text ?? ''} styles={mono} />
                </>
              )}
            </Stack>
          </Paper>
        </Grid.Col>
      </Grid>
    </Stack>
  );
}
