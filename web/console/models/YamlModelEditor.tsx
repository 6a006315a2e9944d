import { yaml } from '@codemirror/lang-yaml';
import { type Diagnostic, linter, lintGutter } from '@codemirror/lint';
import { EditorView } from '@codemirror/view';
import CodeMirror from '@uiw/react-codemirror';
import { useEffect, useMemo, useRef } from 'react';
import type { ModelIssue, ModelValidation } from '../../../src/modules/models/models.schema.ts';
import { errorMessage } from '../api-client.ts';
import { validateSource } from './use-models.ts';

/** What the editor knows about the text it shows: checking, checked (with the validator's answer), or the check failed. */
export type EditorCheck = { state: 'checking' } | { state: 'checked'; source: string; result: ModelValidation } | { state: 'failed'; message: string };

/** An issue's place in the document: from its column to the end of its line. */
function diagnosticOf(view: EditorView, issue: ModelIssue): Diagnostic | undefined {
  if (!issue.line) return undefined;
  const line = view.state.doc.line(Math.min(Math.max(issue.line, 1), view.state.doc.lines));
  const from = Math.min(line.from + Math.max((issue.column ?? 1) - 1, 0), line.to);
  return {
    from,
    to: line.to,
    severity: issue.severity,
    message: issue.path ? `${issue.path}: ${issue.message}` : issue.message,
    source: 'Momentum',
  };
}

/**
 * The model's YAML in CodeMirror, checked as you type (debounced) by POST /api/v1/models/validate: the validator's
 * and lint's messages are marked at their lines and reported through onCheck for the list under the editor.
 */
export function YamlModelEditor({ value, onChange, onCheck }: { value: string; onChange: (value: string) => void; onCheck: (check: EditorCheck) => void }) {
  const report = useRef(onCheck);
  useEffect(() => {
    report.current = onCheck;
  }, [onCheck]);
  const extensions = useMemo(
    () => [
      yaml(),
      lintGutter(),
      linter(
        async (view) => {
          const source = view.state.doc.toString();
          report.current({ state: 'checking' });
          try {
            const result = await validateSource(source);
            // A newer text is being checked: its answer will come.
            if (view.state.doc.toString() !== source) return [];
            report.current({ state: 'checked', source, result });
            return result.issues.flatMap((issue) => diagnosticOf(view, issue) ?? []);
          } catch (error) {
            report.current({ state: 'failed', message: errorMessage(error) });
            return [];
          }
        },
        { delay: 600 },
      ),
      EditorView.contentAttributes.of({ 'aria-label': 'Model YAML' }),
      EditorView.lineWrapping,
    ],
    [],
  );
  return <CodeMirror value={value} onChange={onChange} extensions={extensions} minHeight="420px" maxHeight="70vh" basicSetup={{ foldGutter: false }} />;
}
