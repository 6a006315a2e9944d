/** A member's secret calendar feed token (its SHA-256; the token itself is shown once). One per member: regenerating replaces it. */
export interface MemberCalendarTokensTable {
  workspace_id: string;
  member_id: string;
  token_hash: string;
  created_at: Date;
}
