// Moment instance shapes shared by the API and the console (web/ imports this file: keep it free of server code).
import { z } from 'zod';

export const instanceStatuses = ['open', 'done', 'skipped', 'missed', 'escalated'] as const;
export type InstanceStatus = (typeof instanceStatuses)[number];

export const momentInstanceSchema = z
  .object({
    id: z.uuid(),
    account: z.object({ id: z.uuid(), name: z.string() }),
    model: z.object({ id: z.uuid(), key: z.string(), version: z.number() }),
    moment: z.object({
      id: z.string(),
      name: z.string(),
      phase: z.string(),
      channel: z.string(),
      digital: z.boolean(),
      objective: z.string().nullable(),
      expectedOutcome: z.string().nullable(),
      effortMinutes: z.number(),
      playbook: z.array(z.string()),
    }),
    rule: z.string(),
    openedAt: z.string(),
    dueAt: z.string(),
    overdue: z.boolean(),
    assignee: z.object({ role: z.string(), memberId: z.string().nullable(), name: z.string().nullable() }),
    status: z.enum(instanceStatuses),
    evidence: z.record(z.string(), z.unknown()),
    notes: z.string().nullable(),
    outcome: z.string().nullable(),
    completedAt: z.string().nullable(),
    completedBy: z.string().nullable(),
  })
  .meta({ id: 'MomentInstance' });

/** A moment instance as the API answers it. */
export type MomentInstanceShape = z.infer<typeof momentInstanceSchema>;
