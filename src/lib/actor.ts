export const memberRoles = ['admin', 'csm', 'account_manager', 'marketing', 'support', 'executive', 'partner'] as const;
export type MemberRole = (typeof memberRoles)[number];

/** Account-team roles: every member role but admin. */
export const teamRoles = ['csm', 'account_manager', 'marketing', 'support', 'executive', 'partner'] as const;
export type TeamRole = (typeof teamRoles)[number];

export const apiKeyScopes = ['admin', 'ingest'] as const;
export type ApiKeyScope = (typeof apiKeyScopes)[number];

/** Who is doing a write: recorded in the audit log. */
export interface Actor {
  workspaceId: string;
  type: 'member' | 'api_key' | 'system';
  id: string | null;
  name: string;
  roles: readonly MemberRole[];
  scopes: readonly ApiKeyScope[];
}

/** Leads see and hand out the whole team's work: admins and executives. */
export const isLead = (actor: { roles: readonly string[] }): boolean => actor.roles.includes('admin') || actor.roles.includes('executive');

export function systemActor(workspaceId: string, name = 'system'): Actor {
  return { workspaceId, type: 'system', id: null, name, roles: ['admin'], scopes: ['admin', 'ingest'] };
}
