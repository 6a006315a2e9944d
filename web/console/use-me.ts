import { useQuery } from '@tanstack/react-query';
import { isLead as leads } from '../../src/lib/actor.ts';
import type { Me } from '../../src/modules/members/members.schema.ts';
import { api } from './api-client.ts';

export const meKey = ['me'] as const;

/** The signed-in member and workspace (GET /api/v1/me). */
export function useMe() {
  return useQuery({ queryKey: meKey, queryFn: () => api.get<Me>('/me'), staleTime: 60_000 });
}

export function isAdmin(me: Me | undefined): boolean {
  return me?.actor.roles.includes('admin') ?? false;
}

/** Executives read but do not change (the API's "write" access). */
export function canWrite(me: Me | undefined): boolean {
  return me?.actor.roles.some((role) => role !== 'executive') ?? false;
}

/** Admins and executives lead: they see any member's moments and the team's load (the API's rule). */
export function isLead(me: Me | undefined): boolean {
  return me ? leads(me.actor) : false;
}
