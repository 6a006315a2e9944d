import { ActionIcon, Group, MultiSelect, NumberInput, Paper, Select, TagsInput, TextInput } from '@mantine/core';
import { IconTrash } from '@tabler/icons-react';
import type { Condition } from '../../../src/modules/accounts/accounts.schema.ts';
import { humanize, options } from '../../ui/format.ts';
import { defaultValue, type FieldInfo, type FilterOp, listOps, opLabels, opsByKind, unaryOps } from './condition-fields.ts';

interface ConditionRowProps {
  /** How the form names this condition: "Condition 2", "Group 1, condition 2". */
  name: string;
  condition: Condition;
  fields: FieldInfo[];
  errors: { field?: string | undefined; op?: string | undefined; value?: string | undefined };
  onChange: (condition: Condition) => void;
  onRemove: () => void;
}

function ValueInput({
  info,
  condition,
  error,
  label,
  onChange,
}: {
  info: FieldInfo | undefined;
  condition: Condition;
  error?: string | undefined;
  label: string;
  onChange: (value: Condition['value']) => void;
}) {
  const { op, value } = condition;
  if (unaryOps.includes(op)) return null;
  const common = { label, error, style: { flex: '2 1 200px' } };
  if (listOps.includes(op)) {
    const list = Array.isArray(value) ? value.map(String) : [];
    return info?.values ? (
      <MultiSelect {...common} data={options(info.values)} value={list} onChange={onChange} searchable />
    ) : (
      <TagsInput {...common} description="Press Enter after each value" value={list} onChange={onChange} />
    );
  }
  if (op === 'within_days' || info?.kind === 'number') {
    return (
      <NumberInput
        {...common}
        min={op === 'within_days' ? 0 : undefined}
        value={typeof value === 'number' ? value : ''}
        onChange={(v) => onChange(v === '' ? undefined : Number(v))}
      />
    );
  }
  if (info?.kind === 'boolean') {
    return (
      <Select
        {...common}
        data={[
          { value: 'true', label: 'Yes' },
          { value: 'false', label: 'No' },
        ]}
        value={value === undefined ? null : String(value)}
        onChange={(v) => onChange(v === 'true')}
        allowDeselect={false}
      />
    );
  }
  if (info?.kind === 'date')
    return <TextInput {...common} type="date" value={typeof value === 'string' ? value : ''} onChange={(e) => onChange(e.currentTarget.value)} />;
  if (info?.values && op !== 'contains') {
    return (
      <Select
        {...common}
        data={options(info.values)}
        value={typeof value === 'string' && value ? value : null}
        onChange={(v) => onChange(v ?? '')}
        searchable
      />
    );
  }
  return (
    <TextInput
      {...common}
      value={typeof value === 'string' ? value : value === undefined ? '' : String(value)}
      onChange={(e) => onChange(e.currentTarget.value)}
    />
  );
}

/** One "field operator value" condition of a segment's filter. */
export function ConditionRow({ name, condition, fields, errors, onChange, onRemove }: ConditionRowProps) {
  const info = fields.find((f) => f.field === condition.field);
  const ops = opsByKind[info?.kind ?? 'text'];
  const groups = [...new Set(fields.map((f) => f.group))].map((group) => ({
    group,
    items: fields.filter((f) => f.group === group).map((f) => ({ value: f.field, label: f.label })),
  }));
  // Conditions saved against a custom field that no longer exists still show (and can be removed).
  if (!info) groups.push({ group: 'Unknown', items: [{ value: condition.field, label: humanize(condition.field) }] });

  const setField = (field: string | null) => {
    if (!field) return;
    const next = fields.find((f) => f.field === field);
    const nextOps = opsByKind[next?.kind ?? 'text'];
    const op = nextOps.includes(condition.op) ? condition.op : (nextOps[0] as FilterOp);
    onChange({ field, op, value: defaultValue(next, op) });
  };
  const setOp = (op: string | null) => {
    if (!op) return;
    const nextOp = op as FilterOp;
    const keep =
      listOps.includes(nextOp) === listOps.includes(condition.op) &&
      !unaryOps.includes(condition.op) &&
      nextOp !== 'within_days' &&
      condition.op !== 'within_days';
    onChange({ ...condition, op: nextOp, value: keep ? condition.value : defaultValue(info, nextOp) });
  };

  return (
    <Paper withBorder p="sm" bg="gray.0" data-testid="condition-row">
      <Group align="flex-start" gap="sm" wrap="wrap">
        <Select
          label={`${name}: field`}
          data={groups}
          value={condition.field}
          onChange={setField}
          searchable
          allowDeselect={false}
          error={errors.field}
          style={{ flex: '1 1 180px' }}
        />
        <Select
          label={`${name}: operator`}
          data={ops.map((op) => ({ value: op, label: opLabels[op] }))}
          value={condition.op}
          onChange={setOp}
          allowDeselect={false}
          error={errors.op}
          style={{ flex: '1 1 160px' }}
        />
        <ValueInput info={info} condition={condition} error={errors.value} label={`${name}: value`} onChange={(value) => onChange({ ...condition, value })} />
        <ActionIcon variant="subtle" color="red" size="lg" mt={26} onClick={onRemove} aria-label={`Remove ${name.toLowerCase()}`}>
          <IconTrash size={18} aria-hidden />
        </ActionIcon>
      </Group>
    </Paper>
  );
}
