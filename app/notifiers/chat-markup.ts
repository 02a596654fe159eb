/** Zero-width space: invisible, and enough to stop a chat from reading a mention or a link. */
const BREAK = '\u200B';

/**
 * Free text (a device id, a rule name: any producer chooses them) as Slack-style markup shows it
 * literally. `&`, `<` and `>` are the markup's control characters (`<!channel>`, `<@U123>`,
 * `<http://x|y>`); a plain `@here` is a mention in several chats; `example.com` or `http:` would be
 * turned into a link. So a device id can neither ping anyone nor link anywhere.
 */
export function escapeChatText(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/@/g, `@${BREAK}`)
    .replace(/([.:])(?=\S)/g, `$1${BREAK}`);
}
