import { html, raw } from './html';
import { safeNext } from './auth.routes';
import { passwordProblem } from '@npr/db';

describe('html templates', () => {
  test('interpolated text is escaped, nested templates are not', () => {
    const name = `<script>alert("x")</script>&'`;
    expect(html`<p title="${name}">${name}</p>`.value).toBe(
      '<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;</p>',
    );
    expect(html`<ul>${['a', 'b'].map((x) => html`<li>${x}</li>`)}</ul>`.value).toBe('<ul><li>a</li><li>b</li></ul>');
    expect(html`${null}${undefined}${false}${0}${raw('<b>')}`.value).toBe('0<b>');
  });
});

describe('login redirects', () => {
  test.each([
    ['/usage', '/usage'],
    ['/settings/api-keys?x=1', '/settings/api-keys?x=1'],
    ['//evil.example', '/'],
    ['/\\evil.example', '/'],
    ['https://evil.example', '/'],
    [undefined, '/'],
  ])('%s -> %s', (next, expected) => expect(safeNext(next)).toBe(expected));
});

describe('password rules', () => {
  test('length only, and not the email address', () => {
    expect(passwordProblem('short')).toMatch(/at least 10/);
    expect(passwordProblem('x'.repeat(257))).toMatch(/at most 256/);
    expect(passwordProblem('me@example.com', 'Me@Example.com')).toMatch(/email/);
    expect(passwordProblem('correct horse battery staple')).toBeNull();
  });
});
