import type { ColumnType } from 'kysely';

export type StreamStatus = 'draft' | 'active' | 'paused' | 'archived';

/** One step of a stream, kept in order in the stream's row: its id names it in the outbox (source stream_step). */
export interface StoredStep {
  id: string;
  template: string;
  delay: string;
}

export interface StreamsTable {
  workspace_id: string;
  id: string;
  key: string;
  name: string;
  description: string;
  list_id: string;
  status: StreamStatus;
  /** Contacts of accounts in this segment (with one of entry_personas; none: every persona) enter; null: engine only. */
  entry_segment_id: string | null;
  entry_personas: string[];
  /** An event of one of these names on the contact's account after entry ends the enrolment. */
  exit_events: string[];
  /** The account entering one of these phases after entry ends the enrolment ('*': any phase change). */
  exit_phases: string[];
  steps: ColumnType<StoredStep[], string, string>;
  /** The last time the entry rule was evaluated (every 5 minutes at most). */
  entry_checked_at: Date | null;
  created_at: Date;
  updated_at: Date;
  activated_at: Date | null;
}

export type EnrolmentSource = 'segment' | 'moment' | 'member';

export interface StreamEnrolmentsTable {
  workspace_id: string;
  id: string;
  stream_id: string;
  contact_id: string;
  account_id: string | null;
  source: EnrolmentSource;
  /** The moment instance that enrolled the contact, or the member. */
  source_id: string | null;
  entered_at: Date;
  /** The index of the next step to send (steps.length once completed). */
  step: number;
  next_at: Date | null;
  last_sent_at: Date | null;
  completed_at: Date | null;
  exited_at: Date | null;
  exit_reason: string | null;
}
