// The moment instance shape the moments pages (web/console/moments/) read. The models' own shapes come from
// src/modules/models/models.schema.ts; this one goes when the moments module has its schema file and those pages import it.

export interface MomentInstance {
  id: string;
  account: { id: string; name: string };
  model: { id: string; key: string; version: number };
  moment: {
    id: string;
    name: string;
    phase: string;
    channel: string;
    digital: boolean;
    objective: string | null;
    expectedOutcome: string | null;
    effortMinutes: number;
    playbook: string[];
  };
  rule: string;
  openedAt: string;
  dueAt: string;
  overdue: boolean;
  assignee: { role: string; memberId: string | null; name: string | null };
  status: 'open' | 'done' | 'skipped' | 'missed' | 'escalated';
  evidence: Record<string, unknown>;
  notes: string | null;
  outcome: string | null;
  completedAt: string | null;
}
