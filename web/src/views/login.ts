/**
 * The login form of a server bound beyond localhost: the API token in, a session cookie out (set by
 * the server, HttpOnly). The field is a password field and is cleared whatever the answer.
 */
import { logIn } from '../api.js';
import { h } from '../dom.js';
import { errorBox, type View } from '../view.js';

export function loginView(onLoggedIn: () => void): View {
  const errors = errorBox('Not logged in');
  const token = h('input', { id: 'login-token', type: 'password', autocomplete: 'current-password', required: true, spellcheck: 'false' });
  const submit = h('button', { type: 'submit' }, 'Log in');
  const form = h(
    'form',
    {
      class: 'login',
      onsubmit: (event: Event) => {
        event.preventDefault();
        const value = token.value;
        token.value = '';
        submit.disabled = true;
        logIn(value)
          .then(() => onLoggedIn())
          .catch((error: unknown) => {
            errors.show(error);
            token.focus();
          })
          .finally(() => {
            submit.disabled = false;
          });
      },
    },
    h('label', { for: 'login-token' }, 'API token'),
    token,
    submit,
  );
  const element = h(
    'section',
    { 'aria-labelledby': 'login-heading' },
    h('h1', { id: 'login-heading' }, 'Log in'),
    h(
      'p',
      {},
      'This server is reachable beyond its own machine, so it shows its data only after a login with its API token (API_TOKEN). The browser keeps a session cookie, not the token.',
    ),
    errors.element,
    form,
  );
  return { title: 'Log in', element, dispose: () => undefined };
}
