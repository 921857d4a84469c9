/**
 * Calls to the Consentry API on the same origin. The credential (an API key or a person's token)
 * travels only in the Authorization header, never in a URL.
 */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function failureOf(status: number, body: unknown): ApiFailure {
  if (typeof body === 'object' && body !== null && 'code' in body && 'message' in body) {
    const b = body as { code: unknown; message: unknown };
    return new ApiFailure(status, String(b.code), String(b.message));
  }
  return new ApiFailure(status, 'http-' + status, `HTTP ${status}`);
}

export async function apiGet<T>(credential: string, path: string): Promise<T> {
  const r = await fetch(path, { headers: { authorization: `Bearer ${credential}`, accept: 'application/json' } });
  const body: unknown = await r.json().catch(() => null);
  if (!r.ok) throw failureOf(r.status, body);
  return body as T;
}

export async function apiPost<T>(credential: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<T> {
  const r = await fetch(path, {
    method: 'POST',
    headers: { authorization: `Bearer ${credential}`, 'content-type': 'application/json', accept: 'application/json', 'idempotency-key': crypto.randomUUID(), ...headers },
    body: JSON.stringify(body),
  });
  const out: unknown = await r.json().catch(() => null);
  if (!r.ok) throw failureOf(r.status, out);
  return out as T;
}

/**
 * Sends NDJSON with upload progress (fetch cannot report it; XMLHttpRequest can).
 * `onProgress` receives the fraction sent, 0 to 1.
 */
export function apiUploadNdjson<T>(credential: string, path: string, ndjson: Blob, onProgress: (fraction: number) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', path);
    xhr.setRequestHeader('authorization', `Bearer ${credential}`);
    xhr.setRequestHeader('content-type', 'application/x-ndjson');
    xhr.setRequestHeader('accept', 'application/json');
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable && e.total > 0) onProgress(e.loaded / e.total);
    };
    xhr.onload = () => {
      let body: unknown = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = null;
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(body as T);
      else reject(failureOf(xhr.status, body));
    };
    xhr.onerror = () => reject(new ApiFailure(0, 'network', 'the server could not be reached'));
    xhr.send(ndjson);
  });
}
