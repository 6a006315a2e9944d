import { NumberInput, Select, Switch, TextInput } from '@mantine/core';
import type { CustomFieldView as CustomField } from '../../../src/modules/customfields/customfields.schema.ts';

interface CustomFieldInputProps {
  field: CustomField;
  value: unknown;
  error?: string | undefined;
  onChange: (value: unknown) => void;
}

/** One custom attribute, with the input its type calls for; an emptied input sends null (clears the value). */
export function CustomFieldInput({ field, value, error, onChange }: CustomFieldInputProps) {
  const common = { label: field.label, description: `custom.${field.key}`, required: field.required, error };
  switch (field.type) {
    case 'number':
      return (
        <NumberInput
          {...common}
          value={typeof value === 'number' ? value : ''}
          onChange={(v) => onChange(typeof v === 'number' ? v : v === '' ? null : Number(v))}
        />
      );
    case 'boolean':
      return (
        <Switch
          label={field.label}
          description={common.description}
          error={error}
          checked={value === true}
          onChange={(e) => onChange(e.currentTarget.checked)}
          mt="md"
        />
      );
    case 'date':
      return (
        <TextInput
          {...common}
          type="date"
          value={typeof value === 'string' ? value.slice(0, 10) : ''}
          onChange={(e) => onChange(e.currentTarget.value || null)}
        />
      );
    case 'select':
      return <Select {...common} data={field.options} value={typeof value === 'string' ? value : null} onChange={(v) => onChange(v)} clearable />;
    default:
      return (
        <TextInput
          {...common}
          value={typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value)}
          onChange={(e) => onChange(e.currentTarget.value || null)}
        />
      );
  }
}

/** A stored custom value as text. */
export function formatCustomValue(field: CustomField | undefined, value: unknown): string {
  if (value === null || value === undefined || value === '') return '—';
  if (field?.type === 'boolean' || typeof value === 'boolean') return value ? 'Yes' : 'No';
  if (typeof value === 'number') return value.toLocaleString('en-US');
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}
