// The graphql-sse client (npm), in either of its modes, run by tests/test_sse.py.
// Arguments: url token mode(distinct|single) query variables-json count
// Prints each result it receives as one JSON line, then {"complete": true} or
// {"clientError": ...} when the server ends it; after `count` results it disposes of the
// subscription and prints nothing more (what disposing reports is the client's own doing).
import { createClient } from "graphql-sse";

const [url, token, mode, query, variables, count] = process.argv.slice(2);
const client = createClient({
  url,
  singleConnection: mode === "single",
  headers: token ? { Authorization: `Bearer ${token}` } : {},
  retryAttempts: 0,
});
let received = 0;
let disposed = false;
await new Promise((resolve) => {
  const dispose = client.subscribe(
    { query, variables: JSON.parse(variables) },
    {
      next(result) {
        console.log(JSON.stringify(result));
        if (++received >= Number(count)) {
          disposed = true;
          dispose();
          resolve();
        }
      },
      error(error) {
        if (!disposed) console.log(JSON.stringify({ clientError: String(error?.message ?? error) }));
        resolve();
      },
      complete() {
        if (!disposed) console.log(JSON.stringify({ complete: true }));
        resolve();
      },
    },
  );
});
client.dispose();
