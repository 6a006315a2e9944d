// Response shapes of the models and moments routes (mirrors models.routes.ts and moments.routes.ts).
import type { ModelDefinition, ModelIssue, MomentDef, VersionStatus } from '../../../src/modules/models/models.schema.ts';

export type { ModelDefinition, ModelIssue, MomentDef, VersionStatus };

export interface ModelSummary {
  id: string;
  key: string;
  name: string;
  activeVersion: number | null;
  versions: { id: string; version: number; status: VersionStatus; author: string; approver: string | null; createdAt: string }[];
  createdAt: string;
  updatedAt: string;
}

export interface ModelVersion {
  id: string;
  modelId: string;
  key: string;
  version: number;
  status: VersionStatus;
  definition: ModelDefinition;
  source: string;
  sourceFormat: 'yaml' | 'json';
  author: { type: string; id: string | null; name: string };
  approver: { id: string | null; name: string } | null;
  approvedAt: string | null;
  activatedAt: string | null;
  retiredAt: string | null;
  createdAt: string;
}

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
