// The "send a message" form, used twice: on the processes view (free `to` field, test ids
// send-*) and on a process page (fixed `to`, test ids inject-*). POST /api/send.

import { post } from './api.js';
import { h, replace } from './dom.js';

/**
 * @param {object} opts
 * @param {string|null} opts.to   fixed recipient (pid); null shows a "to" input
 * @param {string} opts.prefix    test-id prefix: 'inject' or 'send'
 */
export function sendForm({ to = null, prefix }) {
  const tid = (name) => `${prefix}-${name}`;
  const toInput = to ? null : h('input', {
    type: 'text', class: 'mono', placeholder: 'a pid (<0.N> or N) or a registered name', testid: tid('to'),
    'aria-label': 'recipient', spellcheck: 'false',
  });
  const json = h('textarea', {
    class: 'mono', rows: to ? 4 : 2, placeholder: '{"$cast": {"store": {"key": "a", "value": 1}}}', testid: tid('json'),
    'aria-label': 'message JSON', spellcheck: 'false',
  });
  const follow = h('input', { type: 'checkbox', testid: tid('follow') });
  const button = h('button', { type: 'submit', class: 'primary', testid: prefix === 'inject' ? 'inject-send' : 'send-button' }, 'Send');
  const result = h('div', { class: 'result', testid: tid('result'), 'aria-live': 'polite' });

  const form = h('form', { class: 'send-form', on: { submit: (e) => { e.preventDefault(); submit(); } } },
    toInput && h('label', { class: 'field' }, h('span', {}, 'to'), toInput),
    h('label', { class: 'field grow' }, h('span', {}, 'message (JSON)'), json),
    h('div', { class: 'row' },
      h('label', { class: 'check', title: 'trace this message and everything sent while handling it' }, follow, ' follow'),
      button,
      h('span', { class: 'muted small' }, 'Ctrl+Enter sends')),
    result);

  json.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); submit(); }
  });

  function fail(text) {
    result.className = 'result error';
    replace(result, text);
  }

  async function submit() {
    const recipient = to || toInput.value.trim();
    if (!recipient) return fail('enter a pid or a registered name');
    const text = json.value.trim();
    if (!text) return fail('enter a JSON message');
    let message;
    try {
      message = JSON.parse(text);
    } catch (e) {
      return fail(`invalid JSON: ${e.message}`);
    }
    button.disabled = true;
    try {
      const res = await post('/api/send', { to: recipient, message, follow: follow.checked });
      result.className = 'result ok';
      replace(result, `sent ${res.id} to ${res.to}`,
        res.trace && [' · ', h('a', { href: `#/trace/${encodeURIComponent(res.trace)}`, testid: 'trace-link' }, `follow trace ${res.trace} →`)]);
    } catch (e) {
      fail(String(e));
    } finally {
      button.disabled = false;
    }
  }

  return form;
}
