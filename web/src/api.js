// The REST API under /api, with the session's bearer token. A 401 on a session that has not
// expired means the account or the device was revoked: the app then logs out and wipes.

export class ApiError extends Error {
  constructor(status, message) {
    super(message || `HTTP ${status}`);
    this.status = status; // 0: no connection
  }

  get offline() {
    return this.status === 0;
  }
}

let unauthorizedHandler = () => {};

export function onUnauthorized(handler) {
  unauthorizedHandler = handler;
}

export function reportUnauthorized() {
  unauthorizedHandler();
}

export async function request(path, { method = 'GET', body, token, accept = 'application/json' } = {}) {
  const headers = { Accept: accept };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, 'offline');
  }
  if (response.status === 401 && token) reportUnauthorized();
  if (!response.ok) {
    let message;
    try {
      const payload = await response.json();
      message = payload.message || payload.reason;
      if (payload.errors) message = `${message}: ${JSON.stringify(payload.errors)}`;
    } catch {
      message = response.statusText;
    }
    throw new ApiError(response.status, message);
  }
  return response;
}

export async function json(path, options) {
  const response = await request(path, options);
  return response.status === 204 ? null : response.json();
}
