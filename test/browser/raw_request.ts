/** A raw HTTP request for the static-server tests, sent as written: fetch would normalise `..` away first. */
import { request } from 'node:http';

/** What {@link rawRequest} receives: the status, the headers and the body (as latin1, so that bytes survive). */
export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Sends a `method` request (default GET) for `path`, verbatim, to the server at `url`. */
export function rawRequest(url: string, path: string, method = 'GET'): Promise<RawResponse> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path, method }, (res) => {
      let body = '';
      res.setEncoding('latin1');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}
