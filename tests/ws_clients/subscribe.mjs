// Subscribe to a task's execution logs with the graphql-ws client (npm `graphql-ws`,
// the graphql-transport-ws protocol) over the `ws` package, and print what arrives.
//
//   node tests/ws_clients/subscribe.mjs <url> <token> <taskId> [after] [count]
//
// Each argument may also come from the environment: AURA_WS_URL (ws://host:port/graphql),
// AURA_WS_TOKEN (a JWT; empty: anonymous), AURA_WS_TASK_ID, AURA_WS_AFTER (a cursor to
// resume after; empty: live only), AURA_WS_COUNT (messages to take, default 1),
// AURA_WS_TIMEOUT_MS (give up after, default 30000) and AURA_WS_CHECK (set to "stdin":
// after the last message, wait for a line on stdin, then send a `{ __typename }` query
// and print whatever else arrives before its answer; so a caller that knows the server
// has sent all it will can check that nothing else came, without waiting for a clock).
// The token goes in the connection_init payload as {Authorization: "Bearer <token>"}.
//
// Prints one JSON object per line on stdout:
//   {"event":"ready"}                       the subscription is running on the server
//   {"event":"next","payload":{...}}        a message ({data} or {errors})
//   {"event":"error","errors":[...]}        the server ended the subscription with errors
//   {"event":"error","close":{code,reason}} the socket closed before the subscription ended
//   {"event":"complete"}                    the server completed the subscription
//   {"event":"timeout"}                     AURA_WS_TIMEOUT_MS passed first (exit code 3)
//   {"event":"counted"}                     <count> messages came (AURA_WS_CHECK=stdin)
// and exits 0 after <count> messages (and the check), closing the socket: that is its
// disconnect; or after an error or a completion.
//
// "ready" comes from the protocol itself: a query sent on the same socket right after
// the subscription is answered only once the server has handled the subscription
// (a connection's messages are handled in order), so lines committed after "ready"
// reach a live subscription.

import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const [argUrl, argToken, argTask, argAfter, argCount] = process.argv.slice(2);
const pick = (arg, name, fallback = '') => arg ?? process.env[name] ?? fallback;
const url = pick(argUrl, 'AURA_WS_URL');
const token = pick(argToken, 'AURA_WS_TOKEN');
const taskId = pick(argTask, 'AURA_WS_TASK_ID');
const after = pick(argAfter, 'AURA_WS_AFTER');
const count = Number.parseInt(pick(argCount, 'AURA_WS_COUNT', '1'), 10);
const timeoutMs = Number.parseInt(process.env.AURA_WS_TIMEOUT_MS || '30000', 10);
const checkStdin = process.env.AURA_WS_CHECK === 'stdin';

if (!url || !taskId || !(count > 0)) {
  console.error('usage: node subscribe.mjs <url> <token> <taskId> [after] [count]');
  process.exit(2);
}

const LOGS = `
subscription Logs($taskId: ID!, $after: String) {
  executionLogs(taskId: $taskId, after: $after) {
    cursor
    node { id message level agentType taskId }
  }
}`;

const print = (line) => process.stdout.write(`${JSON.stringify(line)}\n`);

const client = createClient({
  url,
  webSocketImpl: WebSocket,
  connectionParams: token ? { Authorization: `Bearer ${token}` } : undefined,
  retryAttempts: 0, // a disconnect is the caller's to handle: resume with `after`
  lazy: true,
});

let finished = false;
let unsubscribe = () => {};
const timer = setTimeout(() => finish({ event: 'timeout' }, 3), timeoutMs);

async function finish(line, code = 0) {
  if (finished) return;
  finished = true;
  clearTimeout(timer);
  if (line) print(line);
  unsubscribe();
  await client.dispose();
  process.exitCode = code;
}

function describe(err) {
  if (Array.isArray(err)) return { event: 'error', errors: err };
  if (err && typeof err.code === 'number') {
    return { event: 'error', close: { code: err.code, reason: String(err.reason ?? '') } };
  }
  return { event: 'error', errors: [{ message: String(err?.stack || err) }] };
}

let received = 0;
unsubscribe = client.subscribe(
  { query: LOGS, variables: { taskId, after: after || null } },
  {
    next(payload) {
      if (finished) return;
      print({ event: 'next', payload });
      received += 1;
      if (received === count) {
        if (checkStdin) {
          print({ event: 'counted' });
          process.stdin.once('data', check);
        } else {
          finish(null);
        }
      }
    },
    error(err) {
      finish(describe(err));
    },
    complete() {
      finish({ event: 'complete' });
    },
  },
);

// A barrier: the server answers a query on this socket after everything it queued
// before it (one outbox per connection, in order), and the client hands messages on in
// the order they arrive.
function barrier(then) {
  client.subscribe(
    { query: '{ __typename }' },
    {
      next() {},
      error(err) {
        finish(describe(err));
      },
      complete() {
        if (!finished) then();
      },
    },
  );
}

// Whatever else the server sent for the subscription arrives before this answer.
function check() {
  barrier(() => finish(null));
}

// Answered after the server has handled the subscription above.
barrier(() => print({ event: 'ready' }));
