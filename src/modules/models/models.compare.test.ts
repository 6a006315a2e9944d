import { describe, expect, it } from 'vitest';
import { compareModels } from './models.compare.ts';
import { type ModelDefinition, modelDefinitionSchema } from './models.schema.ts';

const moment = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  name: `Moment ${id}`,
  phase: 'onboarding',
  owner: 'csm',
  channel: 'call',
  digital: false,
  start: { type: 'scheduled', rrule: 'FREQ=MONTHLY', anchor: 'engaged' },
  ...extra,
});
const model = (moments: Record<string, unknown>[], extra: Record<string, unknown> = {}): ModelDefinition =>
  modelDefinitionSchema.parse({ key: 'cs', name: 'CS', phases: [{ key: 'onboarding', name: 'Onboarding' }], moments, ...extra });

describe('comparing two model versions', () => {
  it('finds moments added, removed and changed by id, naming the changed fields', () => {
    const before = model([moment('kickoff'), moment('qbr'), moment('old')]);
    const after = model([
      moment('qbr', { channel: 'meeting', start: { type: 'scheduled', rrule: 'FREQ=MONTHLY;INTERVAL=3', anchor: 'engaged' } }),
      moment('kickoff'),
      moment('new'),
    ]);
    expect(compareModels(before, after)).toEqual({
      phases: { added: [], removed: [] },
      moments: {
        added: [{ id: 'new', name: 'Moment new' }],
        removed: [{ id: 'old', name: 'Moment old' }],
        changed: [{ id: 'qbr', name: 'Moment qbr', fields: ['channel', 'start'] }],
      },
      fields: [],
    });
  });

  it('sees no change when only the key order or the moment order differs', () => {
    const before = model([moment('a'), moment('b')]);
    const reordered = model([{ ...Object.fromEntries(Object.entries(moment('b')).reverse()) }, moment('a')]);
    expect(compareModels(before, reordered)).toEqual({ phases: { added: [], removed: [] }, moments: { added: [], removed: [], changed: [] }, fields: [] });
  });

  it('reports phases added and removed and model fields changed', () => {
    const before = model([moment('a')]);
    const after = model([moment('a')], {
      name: 'CS v2',
      precedence: 3,
      phases: [
        { key: 'onboarding', name: 'Onboarding' },
        { key: 'adoption', name: 'Adoption' },
      ],
    });
    const changes = compareModels(before, after);
    expect(changes.phases).toEqual({ added: ['adoption'], removed: [] });
    expect(changes.fields).toEqual(['name', 'phases', 'precedence']);
  });
});
