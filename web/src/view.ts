/** What the router shows: a view's element, its title, and what to stop when it is left. */
import { h } from './dom.js';

export interface View {
  readonly title: string;
  readonly element: HTMLElement;
  dispose(): void;
}

/** A message box for a failed load: says what failed, in words, where a screen reader hears it. */
export function errorBox(what = 'Could not load'): { element: HTMLElement; show(error: unknown): void; clear(): void } {
  const element = h('p', { class: 'error', role: 'alert', hidden: true });
  return {
    element,
    show(error) {
      element.textContent = `${what}: ${error instanceof Error ? error.message : String(error)}`;
      element.hidden = false;
    },
    clear() {
      element.hidden = true;
    },
  };
}
