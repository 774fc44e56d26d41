// People's names for coordinators' screens: the accounts a coordinator may give work to, from
// GET /api/users, remembered on the device so names show offline too. An id without a name
// (an account from elsewhere, or none yet) shows as its short form.

const KEY = (app) => `miteinander.users.${app.session.user_id}`;

export function shortId(id) {
  return String(id || '').replace(/^user:/, '').slice(0, 8);
}

function remembered(app) {
  try {
    return JSON.parse(localStorage.getItem(KEY(app))) || [];
  } catch {
    return [];
  }
}

// The names known on this device at once; ``fresh()`` asks the server and calls back if it answered.
export function people(app, fresh) {
  const list = remembered(app);
  if (fresh) {
    app.api('/api/users').then((users) => {
      localStorage.setItem(KEY(app), JSON.stringify(users));
      fresh(users);
    }, () => {}); // offline: what the device remembers does
  }
  return list;
}

export function nameOf(users, id) {
  const found = users.find((user) => user.user_id === id);
  return (found && found.display_name) || shortId(id);
}
