// Team capacity shapes shared by the API and the console (web/ imports this file: keep it free of server code).
import { z } from 'zod';
import { teamRoles } from '../../lib/actor.ts';

/** Hours a member gives to customer moments in a month when the workspace says nothing else (about 30 h a week). */
export const DEFAULT_HOURS_PER_MEMBER = 120;

export const roleCapacitySchema = z.object({
  role: z.enum(teamRoles),
  hoursPerMember: z.number().int().describe('hours each member of the role gives to customer moments in a month'),
  members: z.number().int().describe('active members holding the role'),
  hours: z.number().int().describe('the role’s capacity per month: members × hours per member'),
});
export type RoleCapacity = z.infer<typeof roleCapacitySchema>;

export const capacitySchema = z.object({ roles: z.array(roleCapacitySchema) }).meta({ id: 'Capacity' });
export type Capacity = z.infer<typeof capacitySchema>;

export const capacityUpdateSchema = z
  .strictObject({
    roles: z
      .array(
        z.strictObject({ role: z.enum(teamRoles), hoursPerMember: z.number().int('must be whole hours').min(0).max(744, 'a month has at most 744 hours') }),
      )
      .min(1)
      .refine((roles) => new Set(roles.map((r) => r.role)).size === roles.length, 'names a role twice'),
  })
  .meta({ id: 'CapacityUpdate' });
export type CapacityUpdate = z.infer<typeof capacityUpdateSchema>;
