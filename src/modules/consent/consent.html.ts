// The small server-rendered pages contacts see (subscribe, confirm, preferences): one inline style, readable on a
// phone, everything escaped, no script and no cookie.
import type { ErrorDetail } from '../../lib/errors.ts';
import { HONEYPOT_FIELD, type PreferenceCentre, type PublicList } from './consent.forms.ts';

/** Escapes text for HTML content and attribute values. */
export const escapeHtml = (value: string): string =>
  value.replace(/[&<>"'`]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' })[c] as string);

const style = `
*{box-sizing:border-box}
body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;font-size:16px;line-height:1.5;color:#1f2933;background:#f4f6f8}
main{max-width:520px;margin:0 auto;padding:32px 20px}
.card{background:#fff;border:1px solid #dde2e7;border-radius:10px;padding:24px}
h1{font-size:1.4rem;margin:0 0 12px}
p{margin:0 0 12px}
.muted{color:#52606d;font-size:.9rem}
.wording{background:#f4f6f8;border-left:3px solid #1c7ed6;padding:10px 12px;margin:0 0 16px;white-space:pre-line}
label{display:block;font-weight:600;margin:12px 0 4px}
input[type=text],input[type=email]{width:100%;padding:10px 12px;font-size:1rem;border:1px solid #b8c2cc;border-radius:6px}
button{margin-top:16px;padding:10px 18px;font-size:1rem;border:0;border-radius:6px;background:#1c7ed6;color:#fff;cursor:pointer;width:100%}
button.secondary{background:#fff;color:#c92a2a;border:1px solid #c92a2a}
.error{color:#c92a2a;font-size:.9rem;margin:4px 0 0}
.hp{position:absolute;left:-5000px;width:1px;height:1px;overflow:hidden}
.list{display:flex;gap:12px;align-items:flex-start;padding:12px 0;border-top:1px solid #e4e7eb}
.list input{width:20px;height:20px;margin-top:3px;flex:none}
.list label{margin:0}
.list .muted{font-weight:400}
footer{margin-top:16px;text-align:center}
`;

/** A whole page; `body` must already be escaped. */
export function page(title: string, body: string, footer = ''): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex"><title>${escapeHtml(title)}</title><style>${style}</style></head>
<body><main><div class="card">${body}</div>${footer ? `<footer class="muted">${footer}</footer>` : ''}</main></body></html>`;
}

export function messagePage(title: string, lines: string[], extra = ''): string {
  return page(title, `<h1>${escapeHtml(title)}</h1>${lines.map((l) => `<p>${escapeHtml(l)}</p>`).join('')}${extra}`);
}

function fieldError(errors: ErrorDetail[], field: string): string {
  const error = errors.find((e) => e.path === field);
  return error ? `<p class="error" id="${field}-error">${escapeHtml(error.message)}</p>` : '';
}

/** The fields of a subscribe form (the hosted page and the embeddable snippet share them). */
function formFields(list: PublicList, values: { name: string; email: string }, errors: ErrorDetail[]): string {
  const invalid = (field: string) => (errors.some((e) => e.path === field) ? ` aria-invalid="true" aria-describedby="${field}-error"` : '');
  return `<p class="wording">${escapeHtml(list.wording)}</p>
<label for="momentum-name">Name</label>
<input type="text" id="momentum-name" name="name" autocomplete="name" maxlength="200" value="${escapeHtml(values.name)}"${invalid('name')}>${fieldError(errors, 'name')}
<label for="momentum-email">Email</label>
<input type="email" id="momentum-email" name="email" autocomplete="email" required maxlength="254" value="${escapeHtml(values.email)}"${invalid('email')}>${fieldError(errors, 'email')}
<div class="hp" aria-hidden="true"><label for="momentum-${HONEYPOT_FIELD}">Leave this empty</label><input type="text" id="momentum-${HONEYPOT_FIELD}" name="${HONEYPOT_FIELD}" tabindex="-1" autocomplete="off"></div>
<input type="hidden" name="v" value="${list.wordingVersion}">`;
}

export function subscribePage(list: PublicList, action: string, values = { name: '', email: '' }, errors: ErrorDetail[] = []): string {
  const how =
    list.optIn === 'double'
      ? 'We will email you a link to confirm: you are subscribed only once you confirm.'
      : 'You can unsubscribe at any time from any email.';
  return page(
    list.name,
    `<h1>${escapeHtml(list.name)}</h1>${list.description ? `<p>${escapeHtml(list.description)}</p>` : ''}
<form method="post" action="${escapeHtml(action)}" accept-charset="utf-8" novalidate>
${formFields(list, values, errors)}
<button type="submit">Subscribe</button>
<p class="muted" style="margin-top:12px">${escapeHtml(how)}</p>
</form>`,
    escapeHtml(list.workspaceName),
  );
}

/** The HTML snippet a list's owner pastes into their own site: a plain form posting to the hosted page. */
export function embedSnippet(list: PublicList, action: string): string {
  return `<form method="post" action="${escapeHtml(action)}" accept-charset="utf-8">
  <p>${escapeHtml(list.wording)}</p>
  <label>Name <input type="text" name="name" autocomplete="name" maxlength="200"></label>
  <label>Email <input type="email" name="email" autocomplete="email" required maxlength="254"></label>
  <div style="position:absolute;left:-5000px" aria-hidden="true"><input type="text" name="${HONEYPOT_FIELD}" tabindex="-1" autocomplete="off"></div>
  <input type="hidden" name="v" value="${list.wordingVersion}">
  <button type="submit">Subscribe</button>
</form>`;
}

export function confirmPage(listName: string, workspaceName: string, email: string, action: string): string {
  return page(
    'Confirm your subscription',
    `<h1>Confirm your subscription</h1>
<p>Subscribe <strong>${escapeHtml(email)}</strong> to <strong>${escapeHtml(listName)}</strong> from ${escapeHtml(workspaceName)}?</p>
<form method="post" action="${escapeHtml(action)}"><button type="submit">Yes, subscribe me</button></form>
<p class="muted" style="margin-top:12px">If you did not ask for this, close this page: nothing happens.</p>`,
  );
}

export function expiredPage(resendAction: string): string {
  return messagePage(
    'This link has expired',
    ['Confirmation links work for 7 days. We can send you a new one.'],
    `<form method="post" action="${escapeHtml(resendAction)}"><button type="submit">Send me a new link</button></form>`,
  );
}

export function preferencesPage(centre: PreferenceCentre, action: string, saved: boolean): string {
  const lists = centre.lists
    .map(
      (l) => `<div class="list"><input type="checkbox" id="list-${l.id}" name="list" value="${l.id}"${l.status === 'confirmed' ? ' checked' : ''}>
<label for="list-${l.id}">${escapeHtml(l.name)}${l.description ? `<br><span class="muted">${escapeHtml(l.description)}</span>` : ''}${
        l.status === 'unconfirmed' ? '<br><span class="muted">Waiting for your confirmation</span>' : ''
      }</label></div>`,
    )
    .join('\n');
  return page(
    'Email preferences',
    `<h1>Email preferences</h1>
<p>What ${escapeHtml(centre.workspaceName)} may send to <strong>${escapeHtml(centre.email)}</strong>.</p>
${saved ? '<p role="status"><strong>Your choices are saved.</strong></p>' : ''}
<form method="post" action="${escapeHtml(action)}">
${lists || '<p class="muted">There are no lists to choose from.</p>'}
<button type="submit" name="action" value="save">Save my choices</button>
<button type="submit" name="action" value="leave_all" class="secondary">Unsubscribe from everything</button>
</form>
<p class="muted" style="margin-top:12px">Messages about your contract and what you asked for (like a confirmation) are not affected.</p>`,
  );
}
