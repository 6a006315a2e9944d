// The events Momentum emits by itself (shared by the server, the model linter, the console and docs/events.md;
// web/ may import this file: keep it free of server code).

export interface CatalogEvent {
  name: string;
  /** The module that records it (the event's source is `module:<source>`). */
  source: string;
  when: string;
  properties: Record<string, string>;
}

const contactRef = 'the contact ({id, name, email, title}), null when there is none';
const changeProperties = {
  role: '`executive_sponsor` or `champion`',
  change: '`added`, `removed`, `replaced` or `title_changed`',
  initial: 'true for the first contact ever to hold the role at the account (its data being filled in, e.g. a first import): models usually skip it',
  oldContact: `the contact who held the role before: ${contactRef}`,
  newContact: `the contact who holds it now: ${contactRef}`,
  reason: 'what caused it: `persona_changed`, `created`, `deleted`, `left`, `returned`, `moved`, `title_changed`',
  remaining: 'how many contacts of the account hold the role after the change',
  actor: 'the member, key or system that made the change',
  summary: 'one line for the timeline',
};
const contractProperties = {
  contractId: 'the contract',
  contractName: 'its name',
  currency: 'the contract currency',
  actor: 'the member, key or system that made the change',
  summary: 'one line for the timeline',
};

export const momentumEvents: CatalogEvent[] = [
  {
    name: 'Sponsor Changed',
    source: 'contacts',
    when: 'an account gains, loses or replaces an executive sponsor (persona change, new contact, contact deleted or marked as left, moved to another account) or its sponsor changes title',
    properties: changeProperties,
  },
  {
    name: 'Champion Changed',
    source: 'contacts',
    when: 'an account gains, loses or replaces a champion, or its champion changes title (the same causes as Sponsor Changed)',
    properties: changeProperties,
  },
  {
    name: 'Sponsor Missing',
    source: 'contacts',
    when: 'an account that had an executive sponsor has none left (recorded with the Sponsor Changed that caused it)',
    properties: { oldContact: `the last sponsor: ${contactRef}`, reason: 'as for Sponsor Changed', actor: 'who made the change', summary: 'one line' },
  },
  {
    name: 'Product Released',
    source: 'releases',
    when: 'a product release is published: once on every account that owns one of its offerings (profile offerings or an active contract line item)',
    properties: {
      releaseId: 'the release',
      release: 'its name',
      releasedOn: 'its date (YYYY-MM-DD)',
      offerings: 'the offerings it affects',
      ownedOfferings: 'those of them the account owns',
      audiencePersona: 'the persona it is meant for, or null',
      notesUrl: 'the release notes, or null',
      actor: 'who published it',
      summary: 'one line',
    },
  },
  {
    name: 'Contract Renewed',
    source: 'contracts',
    when: 'an active contract’s end date moves later, or an expired or cancelled contract becomes active again with a later end date',
    properties: { ...contractProperties, oldEndDate: 'the end date before', newEndDate: 'the end date now', arr: 'the contract ARR now' },
  },
  {
    name: 'Contract Expanded',
    source: 'contracts',
    when: 'an active contract’s ARR goes up (its recurring line items changed), or a new active contract adds ARR to an account that already had some',
    properties: {
      ...contractProperties,
      oldArr: 'the contract ARR before (0 for a new contract)',
      newArr: 'the contract ARR now',
      delta: 'newArr - oldArr',
      accountArrBefore: 'the account ARR before',
      accountArrAfter: 'the account ARR after',
    },
  },
  {
    name: 'Contract Contracted',
    source: 'contracts',
    when: 'an active contract’s ARR goes down while it stays active',
    properties: {
      ...contractProperties,
      oldArr: 'the contract ARR before',
      newArr: 'the contract ARR now',
      delta: 'newArr - oldArr (negative)',
      accountArrBefore: 'the account ARR before',
      accountArrAfter: 'the account ARR after',
    },
  },
  {
    name: 'Contract Ended',
    source: 'contracts',
    when: 'an active contract becomes expired or cancelled, or is deleted',
    properties: { ...contractProperties, status: '`expired`, `cancelled` or `deleted`', arr: 'the ARR it carried', endDate: 'its end date' },
  },
  {
    name: 'Renewal Date Changed',
    source: 'contracts',
    when: 'a contract’s renewal date is set, moved or cleared',
    properties: { ...contractProperties, oldRenewalDate: 'before (null when unset)', newRenewalDate: 'now (null when cleared)' },
  },
  ...(
    [
      ['CSM Changed', 'csm'],
      ['Account Manager Changed', 'account_manager'],
      ['Marketing Contact Changed', 'marketing'],
      ['Support Contact Changed', 'support'],
      ['Executive Contact Changed', 'executive'],
      ['Partner Contact Changed', 'partner'],
    ] as const
  ).map(
    ([name, role]): CatalogEvent => ({
      name,
      source: 'accounts',
      when: `the account team's ${role} role is assigned, reassigned or removed`,
      properties: {
        role: `\`${role}\``,
        oldMember: 'the member before ({id, name}), null when the role was empty',
        newMember: 'the member now ({id, name}), null when the role was removed',
        actor: 'who made the change',
        summary: 'one line',
      },
    }),
  ),
  {
    name: 'Account Created',
    source: 'accounts',
    when: 'an account is created: by a member, the API, a CSV import, or a Segment group call naming a new group',
    properties: { name: 'its name', externalId: 'its external id (null when none)', actor: 'who created it', summary: 'one line' },
  },
  {
    name: 'Account Updated',
    source: 'accounts',
    when: 'an account’s profile changes (name, external id, domain, industry, region, employee band, offerings, tags, buying culture, touch model, target digital type, custom fields); team changes have their own events',
    properties: {
      changed: 'the attributes that changed',
      before: 'their values before',
      after: 'their values now',
      actor: 'who made the change',
      summary: 'one line',
    },
  },
  {
    name: 'Phase Entered',
    source: 'engine',
    when: 'an account’s engagement enters a lifecycle phase (by exit criteria, or a member changing the account’s phase)',
    properties: { model: 'the model key', version: 'the model version', from: 'the phase before', to: 'the phase now' },
  },
  ...(
    [
      [
        'Moment Opened',
        'the engine opens a moment instance for an account (a schedule came due, an event or a metric condition triggered it, an expected event did not happen in time for an absence rule)',
      ],
      ['Moment Escalated', 'the engine escalates: an expectation rule’s events did not happen within its time, and the moment opens for the escalation role'],
    ] as const
  ).map(
    ([name, when]): CatalogEvent => ({
      name,
      source: 'engine',
      when,
      properties: {
        model: 'the model key',
        version: 'the model version',
        moment: 'the moment id in its model',
        momentName: 'the moment’s name',
        phase: 'the lifecycle phase it belongs to',
        instance: 'the moment instance',
        rule: '`scheduled`, `event`, `metric`, `absence` or `expectation`',
        dueAt: 'when it is due',
        assigneeRole: 'the account-team role it is assigned to',
        assigneeMemberId: 'the member holding that role (null when the role is empty)',
        evidence: 'why it opened (the occurrence, the triggering event, the metric value ...)',
        summary: 'one line',
      },
    }),
  ),
  {
    name: 'Moment Completed',
    source: 'moments',
    when: 'a member completes a moment instance as done (the channel is the moment’s, so the digital mix counts it)',
    properties: { moment: 'the moment id in its model', model: 'the model key', instance: 'the moment instance', openedAt: 'when it opened' },
  },
  {
    name: 'Metric Threshold Crossed',
    source: 'engine',
    when: 'a model’s metric condition is met for an account (a metric rising above or falling below its threshold, or changing by the given percentage), recorded with the moment it opened',
    properties: {
      model: 'the model key',
      version: 'the model version',
      moment: 'the moment it opened',
      instance: 'that moment instance',
      rule: '`metric` or `absence`',
      metric: 'the metric key',
      value: 'its value now',
      previous: 'its value in the previous window (change conditions)',
      below: 'the threshold (absence by metric)',
      window: 'the window compared (change conditions)',
      summary: 'one line',
    },
  },
  ...(
    [
      ['Email Sent', 'the outbox hands a message to SMTP (or writes its .eml file without SMTP_URL) and it is accepted', {}],
      [
        'Email Opened',
        'a sent message’s open pixel is first loaded (once per message)',
        {
          machine:
            'true when a privacy proxy or pre-fetch loaded it (Apple Mail Privacy Protection, security scanners, seconds after sending): not a person reading; never use it alone',
        },
      ],
      [
        'Email Clicked',
        'a contact follows a tracked link of a sent message (once per message and link)',
        { url: 'the link’s target', machine: 'true when a scanner’s user agent followed it' },
      ],
      [
        'Email Bounced',
        'a message is refused for good (SMTP 5xx at sending, a provider’s or the bounce mailbox’s report); a hard bounce suppresses the address',
        { kind: '`hard` or `soft`', detail: 'the server’s or provider’s words' },
      ],
      [
        'Email Complained',
        'a recipient reports a message as spam (provider feedback): the address is suppressed and the list withdrawn',
        { detail: 'the provider’s words' },
      ],
      [
        'Email Unsubscribed',
        'a contact unsubscribes from a list with the link of a message (one click or the confirm page)',
        { list: 'the list’s name', method: '`one_click` or `unsubscribe_page`' },
      ],
    ] as const
  ).map(
    ([name, when, extra]): CatalogEvent => ({
      name,
      source: 'messaging',
      when,
      properties: {
        messageId: 'the outbox message',
        sourceType: 'what sent it: `campaign`, `stream_step`, `moment`, `confirmation`, `digest`, `test`, `magic_link`, `case`, `survey`',
        sourceId: 'the campaign, stream step, moment instance … it belongs to',
        sourceLabel: 'its name, when it has one',
        subject: 'the message’s subject',
        listId: 'the list (marketing messages)',
        ...extra,
      },
    }),
  ),
  ...(
    [
      [
        'Stream Entered',
        'a contact enters a nurture stream (by its segment rule, an engine moment’s `enrol` action, or a member)',
        { source: '`segment`, `moment` or `member`' },
      ],
      [
        'Stream Exited',
        'a contact leaves a nurture stream before its last step: an exit event or phase change on the account, an unsubscribe from its list, a suppressed address, or the stream archived',
        { reason: '`event:<name>`, `phase:<key>`, `unsubscribed`, `suppressed` or `stream_archived`' },
      ],
      ['Stream Completed', 'a contact’s last step of a nurture stream is sent', {}],
    ] as const
  ).map(
    ([name, when, extra]): CatalogEvent => ({
      name,
      source: 'streams',
      when,
      properties: { stream: 'the stream key', streamName: 'its name', enrolment: 'the enrolment', ...extra, summary: 'one line' },
    }),
  ),
  ...(
    [
      [
        'Contact Subscribed',
        'a contact’s subscription to a list is confirmed: a form on a single opt-in list, a double opt-in confirmation, the preference centre, an import with proof or a member recording the contact’s request (contacts with an account)',
      ],
      [
        'Contact Unsubscribed',
        'a contact leaves a list other than by an email’s own link (that is Email Unsubscribed): the preference centre, the portal or a member recording the contact’s request',
      ],
    ] as const
  ).map(
    ([name, when]): CatalogEvent => ({
      name,
      source: 'consent',
      when,
      properties: {
        list: 'the list key',
        listName: 'its name',
        method: '`form`, `double_opt_in`, `import`, `preference_centre`, `portal`, `admin` or `api`',
        recordedBy: '`contact`, or the member or key that recorded it',
        summary: 'one line',
      },
    }),
  ),
];
export const momentumEventNames: ReadonlySet<string> = new Set(momentumEvents.map((e) => e.name));

/** The event name for an account-team role ('csm' -> 'CSM Changed'). */
export function teamChangeEvent(role: string): string {
  const event = momentumEvents.find((e) => e.source === 'accounts' && e.properties.role === `\`${role}\``);
  return event?.name ?? 'Team Changed';
}
