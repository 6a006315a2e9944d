import { Readable } from 'node:stream';
import chardet from 'chardet';
import { parse } from 'csv-parse';
import iconv from 'iconv-lite';
import { AppError } from '../../lib/errors.ts';

export interface CsvRow {
  row: number;
  cells: string[];
}

export interface CsvTable {
  headers: string[];
  /** Data rows with their spreadsheet row number (the header is row 1; blank lines count but are not listed). */
  rows: CsvRow[];
}

/** Thrown for a file that cannot be read as CSV at all (encoding, quoting): nothing is imported. */
export function fileError(message: string): AppError {
  return new AppError('validation_failed', message, [{ path: 'file', message }]);
}

const CHUNK = 1 << 20;

/** Latin-1 and Windows-1252 look alike to a detector; Windows-1252 (what Excel saves) decodes both correctly for text. */
function suggestedEncoding(bytes: Uint8Array): string {
  const detected = chardet.detect(bytes.subarray(0, 1 << 20))?.toLowerCase() ?? 'windows-1252';
  if (detected === 'iso-8859-1' || detected === 'windows-1252') return 'windows-1252';
  return detected;
}

/**
 * Decodes the file to text chunks. Valid UTF-8 (with or without a byte order mark) is read as is; anything else
 * needs an explicit encoding, and the error names the likely one rather than importing mangled names.
 */
export function decodeCsv(bytes: Uint8Array, encoding?: string): string[] {
  const wanted = encoding?.trim().toLowerCase();
  if (wanted && wanted !== 'utf-8' && wanted !== 'utf8') {
    if (!iconv.encodingExists(wanted)) throw fileError(`Unknown encoding "${encoding}": use utf-8, windows-1252, latin1 or another iconv-lite encoding name`);
    const text = iconv.decode(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), wanted);
    return [text.charCodeAt(0) === 0xfeff ? text.slice(1) : text];
  }
  // A streaming decoder keeps memory to the chunks themselves; fatal makes invalid UTF-8 an error instead of U+FFFD.
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const chunks: string[] = [];
  try {
    for (let offset = 0; offset < bytes.length; offset += CHUNK) {
      chunks.push(decoder.decode(bytes.subarray(offset, offset + CHUNK), { stream: offset + CHUNK < bytes.length }));
    }
    chunks.push(decoder.decode());
  } catch {
    const likely = suggestedEncoding(bytes);
    throw fileError(
      `The file is not UTF-8: it looks like ${likely}${likely === 'windows-1252' ? ' (Excel on Windows, also called Latin-1)' : ''}. ` +
        `Pass --encoding ${likely} (API: ?encoding=${likely}), or save the file as "CSV UTF-8" and import it again.`,
    );
  }
  return chunks;
}

/** Picks the delimiter the header line uses most (Excel writes ";" in many locales). */
function detectDelimiter(firstChunk: string): string {
  const end = firstChunk.indexOf('\n');
  const line = end >= 0 ? firstChunk.slice(0, end) : firstChunk;
  let best = ',';
  let bestCount = 0;
  for (const candidate of [',', ';', '\t']) {
    const count = line.split(candidate).length - 1;
    if (count > bestCount) {
      best = candidate;
      bestCount = count;
    }
  }
  return best;
}

/** Parses decoded text into a header and rows (blank rows skipped; ragged rows allowed: missing cells read as empty). */
export async function parseCsv(chunks: string[]): Promise<CsvTable> {
  const first = chunks.find((c) => c.length > 0) ?? '';
  const parser = Readable.from(chunks).pipe(
    parse({
      bom: true,
      delimiter: detectDelimiter(first),
      relax_column_count: true,
      skip_empty_lines: false,
      trim: false,
    }),
  );
  const records: string[][] = [];
  try {
    for await (const record of parser) records.push(record as string[]);
  } catch (error) {
    const e = error as { message?: string; lines?: number };
    throw fileError(`The file is not valid CSV${e.lines ? ` near line ${e.lines}` : ''}: ${e.message ?? 'could not be parsed'}`);
  }
  const headers = records[0];
  if (!headers || headers.every((h) => h.trim() === '')) throw fileError('The file is empty: the first line must be a header row naming the columns');
  const rows: CsvRow[] = [];
  for (let i = 1; i < records.length; i++) {
    const cells = records[i] as string[];
    if (cells.every((c) => c.trim() === '')) continue;
    rows.push({ row: i + 1, cells });
  }
  return { headers: headers.map((h) => h.trim()), rows };
}

export async function readCsv(bytes: Uint8Array, encoding?: string): Promise<CsvTable> {
  return parseCsv(decodeCsv(bytes, encoding));
}

// Spreadsheet formula injection: a cell starting with = + - @ (or tab/CR) runs as a formula in Excel. The export
// prefixes such text with an apostrophe (shown as text, not run) and the import removes exactly one, so round trips
// are exact. Plain numbers like -5 are left alone.
const formulaStart = /^'*[=+\-@\t\r]/;
const plainNumber = /^[+-]?\d+(\.\d+)?$/;

export const guardFormula = (value: string): string => (formulaStart.test(value) && !plainNumber.test(value) ? `'${value}` : value);

export const unguardFormula = (value: string): string => (/^'+[=+\-@\t\r]/.test(value) ? value.slice(1) : value);
