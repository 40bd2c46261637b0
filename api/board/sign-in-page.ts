/** Escapes text for HTML. */
function html(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/**
 * The Bull Board sign-in page: an admin token always, the board's user and
 * password when they are configured. Plain HTML, no script.
 */
export function signInPage({ basicEnabled, next, error }: { basicEnabled: boolean; next: string; error?: string }): string {
  const hidden = `<input type="hidden" name="next" value="${html(next)}">`;
  const basicForm = basicEnabled
    ? `<form method="post" action="/admin/login">
      <h2>Board user</h2>
      <label>User <input name="username" autocomplete="username" required></label>
      <label>Password <input name="password" type="password" autocomplete="current-password" required></label>
      ${hidden}<button type="submit">Sign in</button>
    </form>`
    : '';
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Sign in · Checkout queues</title>
  <style>
    body { font-family: system-ui, sans-serif; max-width: 28rem; margin: 4rem auto; padding: 0 1rem; color: #1f2933; }
    form { border: 1px solid #d9e2ec; border-radius: 8px; padding: 1rem 1.25rem; margin: 1rem 0; }
    label { display: block; margin: .5rem 0; } input { display: block; width: 100%; box-sizing: border-box; padding: .4rem; }
    button { margin-top: .75rem; padding: .4rem 1rem; } .error { color: #b42318; } h2 { font-size: 1rem; margin: 0 0 .5rem; }
  </style>
</head>
<body>
  <h1>Checkout queues</h1>
  <p>Sign in to open Bull Board.</p>
  ${error ? `<p class="error" role="alert">${html(error)}</p>` : ''}
  ${basicForm}
  <form method="post" action="/admin/login">
    <h2>Admin token</h2>
    <label>Token <input name="token" autocomplete="off" required placeholder="a JWT with role admin"></label>
    ${hidden}<button type="submit">Sign in with token</button>
  </form>
</body>
</html>`;
}
