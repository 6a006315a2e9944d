export type TemplateKind = 'marketing' | 'transactional';
export type TemplateBodyFormat = 'mjml' | 'simple';

export interface TemplatesTable {
  workspace_id: string;
  id: string;
  /** Slug, unique per workspace: model files and streams name templates by it. */
  key: string;
  name: string;
  kind: TemplateKind;
  /** Liquid. */
  subject: string;
  /** mjml: a whole <mjml> document; simple: the content (HTML with Liquid) wrapped in the default responsive layout. */
  body_format: TemplateBodyFormat;
  body: string;
  /** Liquid plain-text part as written; null: derived from the HTML. */
  text_part: string | null;
  /** The MJML compiled once at save, its Liquid tags intact: rendered per contact. */
  compiled_html: string;
  /** The text part template: text_part, or html-to-text of compiled_html (Liquid intact). */
  compiled_text: string;
  /** Variable paths the template uses (contact.name, metrics.logins ...). */
  variables: string[];
  created_at: Date;
  updated_at: Date;
  archived_at: Date | null;
}
