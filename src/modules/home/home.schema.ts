// The home page's shape, shared by the API and the console (web/ imports this file: keep it free of server code).
import { z } from 'zod';
import { momentInstanceSchema } from '../moments/moments.schema.ts';

export const RENEWAL_WINDOW_DAYS = 90;

export const homeSchema = z
  .object({
    member: z.object({ id: z.uuid(), name: z.string() }),
    moments: z.object({
      counts: z.object({
        overdue: z.number(),
        dueThisWeek: z.number().describe('due within the next 7 days'),
        escalated: z.number(),
        open: z.number(),
      }),
      weeks: z.array(z.number()).describe('my open moments falling due in each of the next 8 weeks (week 0 starts now)'),
      next: z.array(momentInstanceSchema).describe('my open moments, soonest due first (overdue ones first of all)'),
    }),
    renewals: z.object({
      withinDays: z.number(),
      count: z.number(),
      arr: z.number().describe('ARR of my accounts renewing within the window'),
      items: z.array(z.object({ id: z.uuid(), name: z.string(), nextRenewalDate: z.string(), arr: z.number(), phase: z.string() })),
    }),
    alerts: z.array(momentInstanceSchema).describe('escalations and moments opened by what a customer did or failed to do, last 14 days'),
    team: z
      .array(z.object({ memberId: z.uuid().nullable(), name: z.string(), open: z.number(), overdue: z.number() }))
      .nullable()
      .describe("every member's open and overdue moments: for admins and executives (leads); null for others"),
  })
  .meta({ id: 'Home' });

export type Home = z.infer<typeof homeSchema>;
