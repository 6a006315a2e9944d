import {
  Alert,
  Anchor,
  Autocomplete,
  Breadcrumbs,
  Button,
  Collapse,
  FileInput,
  Group,
  Input,
  List,
  Paper,
  Progress,
  Radio,
  SegmentedControl,
  Stack,
  Text,
  Textarea,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { IconAlertCircle, IconChevronDown, IconChevronRight, IconFileTypeCsv } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import {
  type ImportMode,
  type ImportQuery,
  type ImportReport,
  type ImportType,
  importTypes,
  type RowError,
} from '../../../src/modules/imports/imports.schema.ts';
import { PageHeader } from '../../ui/PageHeader.tsx';
import { ApiError, api, errorMessage, fieldErrors } from '../api-client.ts';
import { canWrite, useMe } from '../use-me.ts';
import { ImportColumns } from './ImportColumns.tsx';
import { ImportReportView, RowErrorTable } from './ImportReportView.tsx';

const typeLabels: Record<ImportType, string> = { accounts: 'Accounts', contacts: 'Contacts', contracts: 'Contracts' };
const encodings = ['utf-8', 'windows-1252', 'latin1', 'iso-8859-15', 'utf-16le', 'macintosh', 'shift_jis', 'gb18030'];
/** Request fields the page shows errors at; anything else is shown above the buttons. */
const formFields = ['file', 'consentProof', 'encoding', 'mode'];

/** An all-or-nothing refusal lists every bad row in its details as `row 7.email`. */
function rowErrorsOf(error: unknown): RowError[] {
  if (!(error instanceof ApiError)) return [];
  return error.details.flatMap((d) => {
    const match = /^row (\d+)\.(.*)$/.exec(d.path);
    return match ? [{ row: Number(match[1]), column: match[2] ?? '', message: d.message }] : [];
  });
}

/** Missing required columns: one detail each, under `header.<field>`. */
const headerErrorsOf = (error: unknown): string[] =>
  error instanceof ApiError ? error.details.filter((d) => d.path.startsWith('header.')).map((d) => d.message) : [];

/** The all-or-nothing answer in the console's words (the API's message names its query parameters). */
function refusal(errors: RowError[], dryRun: boolean): string {
  const rows = new Set(errors.map((e) => e.row)).size;
  const which = `${rows.toLocaleString('en-US')} ${rows === 1 ? 'row has' : 'rows have'} errors`;
  const outcome = dryRun ? 'importing this file all or nothing would write nothing' : 'nothing was written (all or nothing)';
  return `${which}, so ${outcome}. Fix the rows below and check the file again, or choose “Write the good rows” to import the others.`;
}

type Progressing = { sent: number; total: number } | null;

/** Determinate while the browser reports the bytes sent; moving stripes before the first report and while the server reads the rows. */
function UploadProgress({ progress, dryRun }: { progress: Progressing; dryRun: boolean }) {
  const sending = progress === null || progress.sent < progress.total;
  const percent = progress && progress.total > 0 ? Math.round((progress.sent / progress.total) * 100) : 0;
  const reported = sending && percent > 0;
  const label = sending
    ? reported
      ? `Uploading the file: ${percent} %`
      : 'Uploading the file…'
    : dryRun
      ? 'Checking every row…'
      : 'Checking and importing every row…';
  return (
    <Stack gap={4}>
      <Progress value={reported ? percent : 100} striped animated={!reported} aria-label={label} size="md" />
      <Text size="sm" c="dimmed" aria-live="polite">
        {label}
      </Text>
    </Stack>
  );
}

/** Import accounts, contacts or contracts from a CSV file: check it first (nothing written), then import; the report says row by row what happened. */
export function ImportPage() {
  const me = useMe();
  const queryClient = useQueryClient();
  const [search, setSearch] = useSearchParams();
  const type: ImportType = (importTypes as readonly string[]).includes(search.get('type') ?? '') ? (search.get('type') as ImportType) : 'accounts';
  const [file, setFile] = useState<File | null>(null);
  const [mode, setMode] = useState<ImportMode>('all_or_nothing');
  const [encoding, setEncoding] = useState('');
  const [proof, setProof] = useState('');
  const [advanced, { toggle: toggleAdvanced, open: openAdvanced }] = useDisclosure(false);
  const [progress, setProgress] = useState<Progressing>(null);
  const [fileMissing, setFileMissing] = useState(false);

  const run = useMutation({
    // Every error is shown on the page: at its field, as missing columns, or in the row table.
    meta: { showsItsErrors: true },
    mutationFn: ({ dryRun, upload }: { dryRun: boolean; upload: File }) => {
      setProgress({ sent: 0, total: upload.size });
      const query: ImportQuery = {
        mode,
        dryRun: dryRun ? 'true' : 'false',
        ...(encoding.trim() ? { encoding: encoding.trim() } : {}),
        ...(type === 'contacts' && proof.trim() ? { consentProof: proof.trim() } : {}),
      };
      return api.upload<ImportReport>(`/imports/${type}`, upload, { query, onProgress: (sent, total) => setProgress({ sent, total }) });
    },
    onSuccess: (report) => {
      // Accounts, contacts and contracts changed everywhere the console shows them.
      if (!report.dryRun && report.created + report.updated > 0) void queryClient.invalidateQueries();
    },
    onError: (error) => {
      if (error instanceof ApiError && error.details.some((d) => d.path === 'encoding' || /encoding/i.test(d.message))) openAdvanced();
    },
    onSettled: () => setProgress(null),
  });

  const start = (dryRun: boolean) => {
    if (!file) {
      setFileMissing(true);
      return;
    }
    run.mutate({ dryRun, upload: file });
  };
  // A new choice makes the last answer stale.
  const changed =
    <T,>(set: (value: T) => void) =>
    (value: T) => {
      set(value);
      run.reset();
    };

  const errors = fieldErrors(run.error);
  const rowErrors = rowErrorsOf(run.error);
  const headerErrors = headerErrorsOf(run.error);
  const otherError = run.error && rowErrors.length === 0 && headerErrors.length === 0 && !Object.keys(errors).some((k) => formFields.includes(k));
  const dryRun = run.variables?.dryRun ?? true;

  if (me.data && !canWrite(me.data)) {
    return (
      <Stack gap={0}>
        <PageHeader title="Import" />
        <Alert color="gray">Importing changes accounts, contacts and contracts: your role can read them but not change them.</Alert>
      </Stack>
    );
  }

  return (
    <Stack gap={0}>
      <Breadcrumbs mb="sm" aria-label="Breadcrumb">
        <Anchor component={Link} to="/accounts" size="sm">
          Accounts
        </Anchor>
        <Text size="sm" c="dimmed">
          Import
        </Text>
      </Breadcrumbs>
      <PageHeader
        title="Import"
        description="Accounts, contacts or contracts from a CSV file: a spreadsheet saved as CSV, or a Salesforce or HubSpot export. Check the file first: nothing is written until you import."
      />
      <Stack gap="lg" maw={860}>
        <Paper withBorder p="md" component="form" aria-label="Import a file" onSubmit={(e) => e.preventDefault()}>
          <Stack gap="md">
            <Input.Wrapper label="The file holds" id="import-type" labelElement="div">
              <SegmentedControl
                aria-labelledby="import-type-label"
                fullWidth
                mt={4}
                value={type}
                onChange={(value) => {
                  setSearch({ type: value }, { replace: true });
                  run.reset();
                }}
                data={importTypes.map((t) => ({ value: t, label: typeLabels[t] }))}
              />
            </Input.Wrapper>
            <ImportColumns type={type} />
            <FileInput
              label="CSV file"
              placeholder="Choose a .csv file"
              accept=".csv,text/csv,application/vnd.ms-excel"
              leftSection={<IconFileTypeCsv size={18} aria-hidden />}
              clearable
              value={file}
              onChange={changed((f: File | null) => {
                setFile(f);
                if (f) setFileMissing(false);
              })}
              error={errors.file ?? (fileMissing ? 'Choose the CSV file to import' : undefined)}
              withAsterisk
            />
            <Radio.Group label="When a row has errors" value={mode} onChange={changed((value: string) => setMode(value as ImportMode))} error={errors.mode}>
              <Stack gap="xs" mt={6}>
                <Radio value="all_or_nothing" label="All or nothing" description="Import nothing until every row is valid; the report lists each error." />
                <Radio value="partial" label="Write the good rows" description="Import the valid rows and list the others, to fix and import again." />
              </Stack>
            </Radio.Group>
            {type === 'contacts' && (
              <Textarea
                label="Proof of consent"
                description="Required when the file has a consent_lists column: how these contacts agreed — where, when, what they were shown. Kept in each contact’s consent ledger."
                placeholder="e.g. Signed up on the webinar registration form, 3–10 May 2026, ticking “Send me product news”"
                autosize
                minRows={2}
                maxLength={1000}
                value={proof}
                onChange={(e) => {
                  setProof(e.currentTarget.value);
                  if (errors.consentProof) run.reset();
                }}
                // The API's message ends with how the command line and the API pass the proof: this field is how here.
                error={errors.consentProof?.replace(/ \(--consent-proof .*\)$/, '')}
              />
            )}
            <div>
              <Button
                variant="subtle"
                size="compact-sm"
                onClick={toggleAdvanced}
                aria-expanded={advanced}
                aria-controls="import-advanced"
                leftSection={advanced ? <IconChevronDown size={16} aria-hidden /> : <IconChevronRight size={16} aria-hidden />}
              >
                Advanced
              </Button>
              <Collapse expanded={advanced} id="import-advanced">
                <Autocomplete
                  mt="xs"
                  maw={360}
                  label="Encoding"
                  description="Only for a file not saved as UTF-8: windows-1252 is what Excel on Windows saves as “CSV”."
                  placeholder="utf-8"
                  data={encodings}
                  value={encoding}
                  onChange={changed(setEncoding)}
                  error={errors.encoding}
                />
              </Collapse>
            </div>
            {headerErrors.length > 0 && (
              <Alert color="red" variant="light" title="Columns missing" icon={<IconAlertCircle aria-hidden />} role="alert">
                <List size="sm" spacing={4}>
                  {headerErrors.map((message) => (
                    <List.Item key={message}>{message}</List.Item>
                  ))}
                </List>
              </Alert>
            )}
            {otherError && (
              <Alert color="red" variant="light" title="Could not import the file" icon={<IconAlertCircle aria-hidden />} role="alert">
                {errorMessage(run.error)}
              </Alert>
            )}
            {run.isPending && <UploadProgress progress={progress} dryRun={dryRun} />}
            <Group gap="sm">
              <Button variant="default" onClick={() => start(true)} loading={run.isPending && dryRun} disabled={run.isPending && !dryRun}>
                Check the file
              </Button>
              <Button onClick={() => start(false)} loading={run.isPending && !dryRun} disabled={run.isPending && dryRun}>
                Import
              </Button>
            </Group>
          </Stack>
        </Paper>
        {rowErrors.length > 0 && (
          <Paper withBorder p="md" component="section" aria-label="Import report">
            <Stack gap="md">
              <Alert
                color="red"
                variant="light"
                title={dryRun ? 'The file has errors' : 'Nothing was imported'}
                icon={<IconAlertCircle aria-hidden />}
                role="alert"
              >
                {refusal(rowErrors, dryRun)}
              </Alert>
              <RowErrorTable errors={rowErrors} />
            </Stack>
          </Paper>
        )}
        {run.data && <ImportReportView report={run.data} />}
      </Stack>
    </Stack>
  );
}
