// What changed between two versions of a model, compared by phase key and moment id: free of server code.
import type { ModelDefinition } from './models.schema.ts';

export interface ModelChanges {
  phases: { added: string[]; removed: string[] };
  moments: {
    added: { id: string; name: string }[];
    removed: { id: string; name: string }[];
    /** Moments in both versions whose definition differs, with the fields that changed. */
    changed: { id: string; name: string; fields: string[] }[];
  };
  /** Model-level fields that changed (name, segment, precedence, …). */
  fields: string[];
}

/** JSON with sorted keys, so definitions compare equal whatever their key order. */
function canonical(value: unknown): string {
  return JSON.stringify(value ?? null, (_key, v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}

function changedFields(before: Record<string, unknown>, after: Record<string, unknown>, skip: string[] = []): string[] {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((k) => !skip.includes(k));
  return keys.filter((k) => canonical(before[k]) !== canonical(after[k])).sort();
}

/** The changes from `before` to `after`: phases and moments added and removed, moments changed (by id) and model fields changed. */
export function compareModels(before: ModelDefinition, after: ModelDefinition): ModelChanges {
  const oldMoments = new Map(before.moments.map((m) => [m.id, m]));
  const newMoments = new Map(after.moments.map((m) => [m.id, m]));
  const oldPhases = new Set(before.phases.map((p) => p.key));
  const newPhases = new Set(after.phases.map((p) => p.key));
  return {
    phases: {
      added: after.phases.filter((p) => !oldPhases.has(p.key)).map((p) => p.key),
      removed: before.phases.filter((p) => !newPhases.has(p.key)).map((p) => p.key),
    },
    moments: {
      added: after.moments.filter((m) => !oldMoments.has(m.id)).map((m) => ({ id: m.id, name: m.name })),
      removed: before.moments.filter((m) => !newMoments.has(m.id)).map((m) => ({ id: m.id, name: m.name })),
      changed: after.moments.flatMap((m) => {
        const old = oldMoments.get(m.id);
        if (!old) return [];
        const fields = changedFields(old, m);
        return fields.length ? [{ id: m.id, name: m.name, fields }] : [];
      }),
    },
    fields: changedFields(before, after, ['moments']),
  };
}
