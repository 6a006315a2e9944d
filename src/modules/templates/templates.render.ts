// The template engine: Liquid (strict variables, escaped HTML output, time and size limits) inside MJML compiled once
// at save. Validation happens here, at save and preview; rendering a valid template for a contact never throws: a
// contact lacking data the template needs (or data that breaks a limit) gets `missing` instead, never a broken email.
import { convert } from 'html-to-text';
import { Liquid, type Template as LiquidTemplate } from 'liquidjs';
import mjml2html from 'mjml';
import { AppError } from '../../lib/errors.ts';
import type { TemplateBodyFormat } from './templates.table.ts';

/** Per render: time (ms), templates rendered (loops), memory (bytes of strings built); sources are size-limited at save. */
export const RENDER_LIMITS = { renderMs: 1000, parseChars: 400_000, memory: 20_000_000, outputChars: 1_000_000 } as const;

// Templates are sent to contacts: no include/render/layout of files, no properties of prototypes.
const noFiles = {
  exists: async () => false,
  existsSync: () => false,
  readFile: async () => {
    throw new Error('templates cannot include files');
  },
  readFileSync: () => {
    throw new Error('templates cannot include files');
  },
  resolve: (_root: string, file: string) => file,
};

const options = {
  strictVariables: true,
  // A variable absent in an {% if %} test or with | default is not an error: that is how templates handle optional data.
  lenientIf: true,
  ownPropertyOnly: true,
  fs: noFiles,
  relativeReference: false,
  renderLimit: RENDER_LIMITS.renderMs,
  parseLimit: RENDER_LIMITS.parseChars,
  memoryLimit: RENDER_LIMITS.memory,
};
const htmlLiquid = new Liquid({ ...options, outputEscape: 'escape' });
const textLiquid = new Liquid(options);

export interface TemplateSource {
  subject: string;
  bodyFormat: TemplateBodyFormat;
  body: string;
  text: string | null;
}

export interface CompiledTemplate {
  subject: string;
  html: string;
  text: string;
  variables: string[];
}

/** Checks a variable path: null when known, else why not. */
export type VariableCheck = (path: string) => string | null;

type Field = 'subject' | 'body' | 'text';

function fieldError(field: Field, line: number | null, message: string): AppError {
  const where = line ? `line ${line}: ` : '';
  return new AppError('validation_failed', `${field}: ${where}${message}`, [{ path: `body.${field}`, message: `${where}${message}` }]);
}

/** liquidjs messages end with ", line:3, col:7" and sometimes repeat the source line: keep the message, return the line. */
function liquidProblem(error: unknown): { line: number | null; message: string } {
  const e = error as { message?: string; token?: { getPosition?: () => [number, number] } };
  const position = e.token?.getPosition?.();
  const message = (e.message ?? String(error)).split('\n')[0]?.replace(/, line:\d+, col:\d+$/, '') ?? 'invalid Liquid';
  return { line: position ? position[0] : null, message };
}

function parse(liquid: Liquid, field: Field, source: string, lineOffset = 0): LiquidTemplate[] {
  const include = /\{%-?\s*(include|render|layout)\b/.exec(source);
  if (include) {
    const line = source.slice(0, include.index).split('\n').length - lineOffset;
    throw fieldError(field, line, `the ${include[1]} tag is not available in email templates`);
  }
  try {
    return liquid.parse(source);
  } catch (error) {
    const { line, message } = liquidProblem(error);
    throw fieldError(field, line === null ? null : line - lineOffset, message);
  }
}

function checkVariables(liquid: Liquid, field: Field, templates: LiquidTemplate[], check: VariableCheck, lineOffset = 0): string[] {
  const analysis = liquid.analyzeSync(templates);
  const paths = new Set<string>();
  for (const variables of Object.values(analysis.globals)) {
    for (const variable of variables) {
      const path = variable.toString();
      const problem = check(path);
      if (problem) throw fieldError(field, variable.location.row - lineOffset, `unknown variable ${path}: ${problem}`);
      paths.add(path);
    }
  }
  return [...paths];
}

/** The responsive layout a simple body is placed in (so a marketer need not write MJML). */
function simpleLayout(content: string): { mjml: string; lineOffset: number } {
  const head = `<mjml>
<mj-head>
<mj-attributes><mj-all font-family="-apple-system, 'Segoe UI', Helvetica, Arial, sans-serif" /><mj-text font-size="16px" line-height="1.55" color="#1f2933" /></mj-attributes>
<mj-style>a { color: #1c64d9; } h1, h2, h3 { line-height: 1.25; margin: 0 0 12px; } p { margin: 0 0 12px; }</mj-style>
</mj-head>
<mj-body background-color="#f4f5f7" width="600px">
<mj-section background-color="#ffffff" padding="28px 12px" border-radius="6px">
<mj-column>
<mj-text>
`;
  return { mjml: `${head}${content}\n</mj-text>\n</mj-column>\n</mj-section>\n</mj-body>\n</mjml>\n`, lineOffset: head.split('\n').length - 1 };
}

async function compileMjml(source: TemplateSource): Promise<string> {
  const { mjml, lineOffset } = source.bodyFormat === 'simple' ? simpleLayout(source.body) : { mjml: source.body, lineOffset: 0 };
  if (source.bodyFormat === 'mjml' && !/^\s*<mjml[\s>]/.test(source.body))
    throw fieldError('body', 1, 'an MJML body starts with <mjml> (or choose the simple format)');
  let result: Awaited<ReturnType<typeof mjml2html>>;
  try {
    // mj-include would read files of the server: never (stated, though it is mjml 5's default).
    result = await mjml2html(mjml, { validationLevel: 'soft', keepComments: false, ignoreIncludes: true });
  } catch (error) {
    throw fieldError('body', null, `MJML: ${(error as Error).message}`);
  }
  const first = result.errors[0];
  if (first) throw fieldError('body', Math.max(1, first.line - lineOffset), `MJML: ${first.message}`);
  return result.html;
}

/** Plain text from the compiled HTML, Liquid tags intact (rendered per contact like the HTML). */
function htmlToTextTemplate(html: string): string {
  return convert(html, {
    wordwrap: false,
    selectors: [
      ...['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].map((selector) => ({ selector, options: { uppercase: false } })),
      { selector: 'img', format: 'skip' },
      { selector: 'table', format: 'block' },
      { selector: 'tr', format: 'block' },
      { selector: 'td', format: 'block' },
    ],
  });
}

/**
 * Validates and compiles a template: Liquid syntax of each part, variables against the known tree, MJML. Throws an
 * AppError naming the field (subject, body, text) and line; returns what rendering needs.
 */
export async function compileTemplate(source: TemplateSource, check: VariableCheck): Promise<CompiledTemplate> {
  const subjectTemplates = parse(textLiquid, 'subject', source.subject);
  const variables = new Set(checkVariables(textLiquid, 'subject', subjectTemplates, check));
  const bodyTemplates = parse(htmlLiquid, 'body', source.body);
  for (const v of checkVariables(htmlLiquid, 'body', bodyTemplates, check)) variables.add(v);
  if (source.text !== null && source.text.trim() !== '') {
    const textTemplates = parse(textLiquid, 'text', source.text);
    for (const v of checkVariables(textLiquid, 'text', textTemplates, check)) variables.add(v);
  }
  const html = await compileMjml(source);
  try {
    htmlLiquid.parse(html);
  } catch {
    throw fieldError('body', null, 'a Liquid tag sits between MJML elements, where MJML drops it: put Liquid inside mj-text, mj-button or mj-raw');
  }
  const text = source.text !== null && source.text.trim() !== '' ? source.text : htmlToTextTemplate(html);
  try {
    textLiquid.parse(text);
  } catch {
    throw fieldError('text', null, 'the plain text derived from the HTML breaks a Liquid tag: write the text part yourself');
  }
  return { subject: source.subject, html, text, variables: [...variables].sort() };
}

/** A compiled template parsed once, rendered for many contacts. */
export interface ParsedTemplate {
  subject: LiquidTemplate[];
  html: LiquidTemplate[];
  text: LiquidTemplate[];
}

export function parseCompiled(compiled: { subject: string; html: string; text: string }): ParsedTemplate {
  return { subject: textLiquid.parse(compiled.subject), html: htmlLiquid.parse(compiled.html), text: textLiquid.parse(compiled.text) };
}

export type Rendered = { subject: string; html: string; text: string } | { missing: string[] };

function setPath(context: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = context;
  for (const part of parts.slice(0, -1)) {
    if (typeof node[part] !== 'object' || node[part] === null) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts.at(-1) as string] = value;
}

const undefinedVariable = /^undefined variable: ([\w.[\]"'-]+)/;

/**
 * Renders for one contact's context (absent values left out, so strict Liquid names them). Every variable the contact
 * lacks is reported (each missing one is filled with a blank and rendering retried, to list them all at once).
 */
export async function renderParsed(parsed: ParsedTemplate, context: Record<string, unknown>): Promise<Rendered> {
  const missing: string[] = [];
  const ctx = structuredClone(context);
  for (let tries = 0; tries < 50; tries++) {
    try {
      const subject = (await textLiquid.render(parsed.subject, ctx)).replace(/\s+/g, ' ').trim();
      const html = await htmlLiquid.render(parsed.html, ctx);
      const text = await textLiquid.render(parsed.text, ctx);
      // `team.csm` is reported before `team.csm.name`: keep the deepest paths.
      if (missing.length > 0) return { missing: missing.filter((p) => !missing.some((q) => q.startsWith(`${p}.`))) };
      if (html.length + text.length > RENDER_LIMITS.outputChars) return { missing: [`(the rendered message exceeds ${RENDER_LIMITS.outputChars} characters)`] };
      return { subject, html, text: text.replace(/\n{3,}/g, '\n\n').trim() };
    } catch (error) {
      const message = (error as Error).message ?? '';
      const match = undefinedVariable.exec(message);
      if (match?.[1] && !missing.includes(match[1])) {
        missing.push(match[1]);
        setPath(ctx, match[1], '');
        continue;
      }
      // A limit (time, memory) or a filter failing on this contact's data: the contact is excluded, the reason kept.
      return { missing: [...missing, `(${liquidProblem(error).message})`] };
    }
  }
  return { missing };
}
