export type CampaignStatus = 'draft' | 'scheduled' | 'sending' | 'paused' | 'sent' | 'cancelled';

export interface CampaignsTable {
  workspace_id: string;
  id: string;
  name: string;
  template_id: string;
  /** The marketing list: the purpose every message of the campaign is gated on. */
  list_id: string;
  /** The accounts whose contacts are the audience; null: every account. */
  segment_id: string | null;
  /** Contact personas in the audience; empty: every persona. */
  personas: string[];
  status: CampaignStatus;
  scheduled_at: Date | null;
  started_at: Date | null;
  finished_at: Date | null;
  paused_at: Date | null;
  /** Who or what paused it, and why (a member, or delivery on repeated SMTP errors / complaint rate). */
  pause_reason: string | null;
  /** The last contact (in id order) handed to the outbox: the send resumes after it. */
  cursor_contact_id: string | null;
  processed: number;
  queued: number;
  excluded: number;
  duplicates: number;
  /** A send job's lease on the campaign (another worker leaves it alone until then). */
  locked_until: Date | null;
  created_by: string;
  created_at: Date;
  updated_at: Date;
}
