/**
 * Dead letters: why each record was refused (class, message, rule), where it came from (source
 * topic/partition/offset), its value decoded where it can be, and whether it was re-driven. Chosen
 * ones are re-driven to their source topic with the API token, which the page asks for and keeps
 * in memory only for this page's life.
 */
import { ApiRequestError, getDeadLetters, redrive } from '../api.js';
import { h, replaceChildren } from '../dom.js';
import { count, utc } from '../format.js';
import { pager } from '../pager.js';
import type { DeadLetter } from '../resources.js';
import { errorBox, type View } from '../view.js';

const PAGE_SIZE = 25;
const ERROR_CLASSES = ['deserialization', 'validation', 'processing', 'sink', 'production'];

let tokenForThisPage: string | undefined;

const positionOf = (d: DeadLetter): string => `${d.topic}/${d.partition}/${d.offset}`;

function decodedValue(d: DeadLetter): HTMLElement {
  if (d.reason.valueOmitted) return h('span', {}, 'value left out for its size');
  if (!d.decoded) return h('span', {}, d.valueSize === 0 ? 'no value' : `${count(d.valueSize)} bytes, format unknown`);
  if (!d.decoded.ok) return h('span', { class: 'undecodable' }, `not decodable: ${d.decoded.error ?? 'unknown error'}`);
  const text = JSON.stringify(d.decoded.value, null, 2);
  return h('details', {}, h('summary', {}, text.length > 60 ? `${text.replace(/\s+/g, ' ').slice(0, 60)}…` : text.replace(/\s+/g, ' ')), h('pre', {}, text));
}

function source(d: DeadLetter): string {
  const r = d.reason;
  return r.sourceTopic === undefined ? 'unknown' : `${r.sourceTopic}/${r.sourcePartition ?? '?'}/${r.sourceOffset ?? '?'}`;
}

export function deadLettersView(): View {
  const state = { errorClass: '', rule: '', offset: 0 };
  const errors = errorBox();
  const summary = h('p', { class: 'summary', role: 'status' });
  const outcome = h('p', { class: 'outcome', role: 'status', 'aria-live': 'polite' });
  const rows = h('tbody');
  const selected = new Map<string, DeadLetter>();
  const redriveButton = h('button', { type: 'button', disabled: true, onclick: () => openDialog() }, 'Re-drive selected…');
  const pages = pager('Dead letter pages', (offset) => {
    state.offset = offset;
    void load();
  });
  let controller: AbortController | undefined;

  const updateButton = (): void => {
    redriveButton.disabled = selected.size === 0;
    redriveButton.textContent = selected.size === 0 ? 'Re-drive selected…' : `Re-drive ${count(selected.size)} selected…`;
  };

  const render = (letters: readonly DeadLetter[]): void => {
    replaceChildren(
      rows,
      ...letters.map((d) => {
        const id = positionOf(d);
        const box = h('input', {
          type: 'checkbox',
          'aria-label': `Choose dead letter ${id}`,
          disabled: d.reason.valueOmitted === true,
          onchange: () => {
            if (box.checked) selected.set(id, d);
            else selected.delete(id);
            updateButton();
          },
        });
        box.checked = selected.has(id);
        return h(
          'tr',
          { 'data-dead-letter': id },
          h('td', {}, box),
          h('td', {}, utc(d.reason.failedAt ?? d.timestamp)),
          h('td', {}, h('strong', {}, d.reason.errorClass ?? 'unknown'), h('br'), d.reason.errorMessage ?? ''),
          h('td', { class: 'mono' }, d.reason.rule ?? '—'),
          h('td', { class: 'mono' }, source(d), h('br'), h('small', {}, `now at ${id}`)),
          h('td', { class: 'value' }, decodedValue(d)),
          h('td', {}, d.redrive ? `re-driven by ${d.redrive.by} at ${utc(d.redrive.redrivenAt)}` : 'not re-driven'),
        );
      }),
    );
    if (letters.length === 0) rows.append(h('tr', {}, h('td', { colspan: 7, class: 'empty' }, 'No dead letter matches.')));
  };

  const load = async (): Promise<void> => {
    controller?.abort();
    const current = new AbortController();
    controller = current;
    summary.textContent = 'Reading the dead-letter topics…';
    try {
      const page = await getDeadLetters(
        { 'filter[errorClass]': state.errorClass, 'filter[rule]': state.rule, sort: '-failedAt', 'page[offset]': state.offset, 'page[limit]': PAGE_SIZE },
        current.signal,
      );
      errors.clear();
      render(page.data.map((r) => r.attributes));
      pages.show(page.meta);
      summary.textContent =
        `${count(page.meta.total)} dead letter${page.meta.total === 1 ? '' : 's'}, latest failure first` +
        (page.meta.complete ? '' : ` (read stopped after ${count(page.meta.scanned)}: there may be more)`);
    } catch (error) {
      if (!current.signal.aborted) {
        summary.textContent = '';
        errors.show(error);
      }
    }
  };

  // The token dialog: a native <dialog> keeps focus inside it and closes on Escape.
  const tokenInput = h('input', { id: 'api-token', type: 'password', autocomplete: 'off', required: true, minlength: 16 });
  const dialogError = h('p', { class: 'error', role: 'alert', hidden: true });
  const dialogText = h('p');
  const dialog = h(
    'dialog',
    { 'aria-labelledby': 'redrive-heading' },
    h(
      'form',
      {
        method: 'dialog',
        onsubmit: (e: Event) => {
          e.preventDefault();
          void submit();
        },
      },
      h('h2', { id: 'redrive-heading' }, 'Re-drive dead letters'),
      dialogText,
      h('label', { for: 'api-token' }, 'API token (API_TOKEN)'),
      tokenInput,
      dialogError,
      h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Re-drive'), h('button', { type: 'button', onclick: () => dialog.close() }, 'Cancel')),
    ),
  );

  const openDialog = (): void => {
    dialogText.textContent = `Copies ${count(selected.size)} dead letter${selected.size === 1 ? '' : 's'} back to the topic${selected.size === 1 ? '' : 's'} they came from. One re-driven before is not sent again.`;
    tokenInput.value = tokenForThisPage ?? '';
    dialogError.hidden = true;
    dialog.showModal();
    tokenInput.focus();
  };

  const submit = async (): Promise<void> => {
    const token = tokenInput.value.trim();
    try {
      const answer = await redrive(
        [...selected.values()].map((d) => ({ topic: d.topic, partition: d.partition, offset: d.offset })),
        token,
      );
      tokenForThisPage = token;
      dialog.close();
      const m = answer.meta;
      const problems = answer.data.filter((r) => r.attributes.outcome === 'refused' || r.attributes.outcome === 'failed');
      outcome.textContent =
        `Re-driven: ${m.redriven ?? 0}; already re-driven before: ${m['already-redriven'] ?? 0}; not found: ${m['not-found'] ?? 0}; refused: ${m.refused ?? 0}; failed: ${m.failed ?? 0}.` +
        problems.map((p) => ` ${p.id}: ${p.attributes.detail ?? p.attributes.outcome}.`).join('');
      selected.clear();
      updateButton();
      await load();
    } catch (error) {
      if (error instanceof ApiRequestError && (error.status === 401 || error.status === 403)) tokenForThisPage = undefined;
      dialogError.textContent = error instanceof Error ? error.message : String(error);
      dialogError.hidden = false;
    }
  };

  const errorClass = h(
    'select',
    {
      id: 'dl-class',
      onchange: () => {
        state.errorClass = errorClass.value;
        state.offset = 0;
        void load();
      },
    },
    h('option', { value: '' }, 'Any'),
    ...ERROR_CLASSES.map((c) => h('option', { value: c }, c)),
  );
  const rule = h('input', { id: 'dl-rule', type: 'text', autocomplete: 'off', spellcheck: 'false' });

  const element = h(
    'section',
    { 'aria-labelledby': 'dead-letters-heading' },
    h('h1', { id: 'dead-letters-heading' }, 'Dead letters'),
    h(
      'form',
      {
        class: 'filters',
        onsubmit: (e: Event) => {
          e.preventDefault();
          state.rule = rule.value.trim();
          state.offset = 0;
          void load();
        },
      },
      h('label', { for: 'dl-class' }, 'Error class'),
      errorClass,
      h('label', { for: 'dl-rule' }, 'Rule'),
      rule,
      h('button', { type: 'submit' }, 'Filter'),
      h('button', { type: 'button', onclick: () => void load() }, 'Refresh'),
    ),
    errors.element,
    summary,
    h('div', { class: 'toolbar' }, redriveButton),
    outcome,
    h(
      'table',
      { class: 'data', id: 'dead-letters-table' },
      h('caption', { class: 'visually-hidden' }, 'Dead letters, latest failure first'),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Choose')),
          h('th', { scope: 'col' }, 'Failed at'),
          h('th', { scope: 'col' }, 'Reason'),
          h('th', { scope: 'col' }, 'Rule'),
          h('th', { scope: 'col' }, 'Source position'),
          h('th', { scope: 'col' }, 'Value'),
          h('th', { scope: 'col' }, 'Re-drive'),
        ),
      ),
      rows,
    ),
    pages.element,
    dialog,
  );
  void load();
  return {
    title: 'Dead letters',
    element,
    dispose: () => controller?.abort(),
  };
}
