// GraphQL over HTTP compliance audit (graphql-http's auditServer) of a running server.
//
//   node tests/http_audit/audit.mjs <url> [token]
//
// The URL (e.g. http://127.0.0.1:8000/graphql) and the bearer token may also come from
// AURA_AUDIT_URL and AURA_AUDIT_TOKEN. Every request the audit makes carries
// `Authorization: Bearer <token>` when a token is given. Prints one JSON object per
// audit result on stdout ({id, name, status, reason?, response?}) and exits 0 even when
// audits fail (a crash of the audit itself is printed as an 'error' result with id
// FATAL): tests/test_http_compliance.py judges the results.

import { auditServer } from 'graphql-http';

const url = process.argv[2] || process.env.AURA_AUDIT_URL;
const token = process.argv[3] || process.env.AURA_AUDIT_TOKEN || '';

if (!url) {
  console.error('usage: node audit.mjs <url> [token]');
  process.exit(2);
}

/** fetch, with the bearer token added to every request. */
function fetchFn(input, init = {}) {
  const headers = new Headers(init.headers);
  if (token) headers.set('authorization', `Bearer ${token}`);
  return fetch(input, { ...init, headers });
}

/** What the server answered, for failed audits: status, content type and body. */
async function describe(response) {
  if (!response) return undefined;
  const out = {
    status: response.status,
    contentType: response.headers.get('content-type'),
  };
  try {
    out.body = (await response.clone().text()).slice(0, 500);
  } catch {
    // The audit already read the body; status and content type must do.
  }
  return out;
}

let results;
try {
  results = await auditServer({ url, fetchFn });
} catch (err) {
  // A fatal failure (server unreachable, audit crashed) is reported as a result too.
  console.log(JSON.stringify({ id: 'FATAL', name: 'audit could not run', status: 'error',
                               reason: String(err?.stack || err) }));
  process.exit(0);
}
for (const result of results) {
  const line = { id: result.id, name: result.name, status: result.status };
  if (result.status !== 'ok') {
    line.reason = result.reason;
    line.response = await describe(result.response);
  }
  console.log(JSON.stringify(line));
}
process.exit(0);
