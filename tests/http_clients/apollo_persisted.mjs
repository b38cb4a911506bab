// Apollo Client with PersistedQueryLink (automatic persisted queries) over HttpLink, run
// by tests/test_persisted.py. Arguments: url token query method(GET|POST) rounds
// Runs the query `rounds` times (network-only), printing each result as a JSON line,
// then one line {"requests": [...]} saying what went over the wire: each request's
// method, whether it carried the query text, and the answer's status.
import { createHash } from "node:crypto";
import { ApolloClient, HttpLink, InMemoryCache, gql } from "@apollo/client";
import { PersistedQueryLink } from "@apollo/client/link/persisted-queries";

const [url, token, query, method, rounds] = process.argv.slice(2);
const requests = [];
async function logged(input, init) {
  const target = new URL(typeof input === "string" ? input : input.url);
  const body = init?.body ? JSON.parse(init.body) : null;
  const carried = body ? Boolean(body.query) : target.searchParams.has("query");
  const response = await fetch(input, init);
  requests.push({ method: init?.method ?? "GET", query: carried, status: response.status });
  return response;
}
const link = new PersistedQueryLink({
  sha256: (text) => createHash("sha256").update(text).digest("hex"),
  useGETForHashedQueries: method === "GET",
}).concat(
  new HttpLink({
    uri: url,
    fetch: logged,
    headers: token ? { authorization: `Bearer ${token}` } : {},
  }),
);
const client = new ApolloClient({ link, cache: new InMemoryCache() });
for (let i = 0; i < Number(rounds); i++) {
  try {
    const result = await client.query({ query: gql(query), fetchPolicy: "network-only" });
    console.log(JSON.stringify({ data: result.data, error: result.error?.message ?? null }));
  } catch (error) {
    console.log(JSON.stringify({ error: error.message, errors: error.errors ?? null }));
  }
}
console.log(JSON.stringify({ requests }));
client.stop();
