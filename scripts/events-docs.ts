// Generates docs/events.md from the catalog in src/modules/events/events.catalog.ts: `node scripts/events-docs.ts`.
import { writeFileSync } from 'node:fs';
import { momentumEvents } from '../src/modules/events/events.catalog.ts';

const cell = (text: string) => text.replace(/\|/g, '\\|');

export function eventsMarkdown(): string {
  const sections = momentumEvents.flatMap((e) => [
    `## ${e.name}`,
    '',
    `Recorded by \`${e.source}\` when ${e.when}.`,
    '',
    '| property | meaning |',
    '| --- | --- |',
    ...Object.entries(e.properties).map(([key, meaning]) => `| \`${key}\` | ${cell(meaning)} |`),
    '',
  ]);
  return [
    '# Events Momentum records by itself',
    '',
    'Besides the events your product sends ([ingestion.md](ingestion.md)) and the interactions your team logs, Momentum records',
    'what it learns from its own data as events in the same stream: the engine, metrics, the account timeline (marked',
    '"Recorded by Momentum") and the Activity tab all see them. An engagement model starts a moment on any of them with',
    '`start: { type: event, event: <name> }`, filters on their properties with `where`, and the model linter knows every',
    'name below (no "not received yet" warning). This page is generated from `src/modules/events/events.catalog.ts`; run',
    '`node scripts/events-docs.ts` after changing it.',
    '',
    '**How they are recorded.** Every event is written in the same transaction as the change that causes it, whether the',
    'change comes from the console, the API, a CSV import or Segment `identify` traits, with the member, key or system',
    'that caused it in `actor`. Events are derived from the record before and after the write, so a write that changes',
    'nothing (an import re-sent unchanged, a retried request) records nothing, and a persona that flips back and forth',
    'in a batch of writes records each change once. They are stored as `interaction` events on channel `other`, not',
    'digital: they are facts about the account, not touchpoints, so they do not count in the digital mix.',
    '',
    '**Timing.** A write through the console or the API has the engine evaluate event rules as soon as it commits, as',
    'ingestion does, so the moment is there when the page reloads; changes from a CLI import are picked up by the next',
    'minute sweep.',
    '',
    '**Sponsors and champions.** A contact holds the role while its persona is `executive_sponsor` (or `champion`), it',
    'belongs to the account and it has not left (`leftAt` unset: mark a person who left the company in the console or with',
    '`PATCH /api/v1/contacts/{id} {"leftAt": "..."}`). An account with two sponsors where one leaves gets Sponsor Changed',
    '(`remaining: 1`), not Sponsor Missing. A new account’s first sponsor (for example from a first import) is marked',
    '`initial: true`; the example customer-success model skips those with `where: [{ property: initial, op: neq, value: true }]`.',
    '',
    '**Releases.** Record a release (Releases in the console, or `POST /api/v1/releases`), then publish it (`POST',
    '/api/v1/releases/{id}/publish`): one statement records Product Released on every account owning an affected',
    'offering, however many. A release is published once (a second publish answers 409); a release for an offering no',
    'account owns is published with zero events and the answer says so. Once published, only its notes link and',
    'description can change, and it cannot be deleted.',
    '',
    '**Team.** A change of the account team (console, API or import) records one event per role that changed, e.g. CSM',
    'Changed. Creating an account with its team records none: there is nobody to introduce a new member to yet.',
    '',
    ...sections,
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  writeFileSync(new URL('../docs/events.md', import.meta.url), eventsMarkdown());
}
