// Member and sign-in shapes shared by the API and the console (web/ imports this file: keep it free of server code).
import { z } from 'zod';
import { memberRoles } from '../../lib/actor.ts';
import { emailSchema } from '../../lib/email.ts';

/** A member as the API returns it. */
export const memberSchema = z
  .object({
    id: z.uuid(),
    email: z.string(),
    name: z.string(),
    roles: z.array(z.enum(memberRoles)),
    disabled: z.boolean(),
    createdAt: z.string(),
  })
  .meta({ id: 'Member' });
export type MemberView = z.infer<typeof memberSchema>;

const workspaceRef = z.object({ id: z.string(), name: z.string() });
const password = z.string().min(10, 'must be at least 10 characters').max(200);

export const signInSchema = z.strictObject({ email: emailSchema, password: z.string().min(1).max(200) });
export const signInResultSchema = z.object({ member: memberSchema, workspace: workspaceRef });
export type SignInResult = z.infer<typeof signInResultSchema>;

/** Who is calling: the actor (a member or an API key), the member when it is one, and the workspace. */
export const meSchema = z.object({
  actor: z.object({ type: z.string(), id: z.string().nullable(), name: z.string(), roles: z.array(z.string()) }),
  member: memberSchema.nullable(),
  workspace: workspaceRef,
});
export type Me = z.infer<typeof meSchema>;

export const passwordChangeSchema = z.strictObject({ currentPassword: z.string().min(1), newPassword: password });

export const memberListSchema = z.object({ items: z.array(memberSchema) });

export const memberCreateSchema = z.strictObject({
  email: emailSchema,
  name: z.string().trim().min(1).max(200),
  roles: z.array(z.enum(memberRoles)).min(1),
  password: password.optional(),
});

export const memberUpdateSchema = z.strictObject({
  name: z.string().trim().min(1).max(200).optional(),
  roles: z.array(z.enum(memberRoles)).min(1).optional(),
  disabled: z.boolean().optional(),
  password: password.optional(),
});
