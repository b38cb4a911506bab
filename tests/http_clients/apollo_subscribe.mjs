// Apollo Client's HttpLink subscribing over multipart HTTP (subscriptionSpec 1.0), run
// by tests/test_multipart.py. Arguments: url token query variables-json count
// Prints each result as one JSON line ({"data": ...} or {"error": {...}}), then
// {"complete": true}; it unsubscribes after `count` results.
import { ApolloClient, HttpLink, InMemoryCache, gql } from "@apollo/client";

const [url, token, query, variables, count] = process.argv.slice(2);
const client = new ApolloClient({
  link: new HttpLink({
    uri: url,
    headers: token ? { authorization: `Bearer ${token}` } : {},
  }),
  cache: new InMemoryCache(),
});

function described(error) {
  return { name: error?.name, message: error?.message, errors: error?.errors ?? null };
}

let received = 0;
await new Promise((resolve) => {
  const subscription = client
    .subscribe({ query: gql(query), variables: JSON.parse(variables) })
    .subscribe({
      next(result) {
        const line = result.error ? { error: described(result.error) } : { data: result.data };
        console.log(JSON.stringify(line));
        if (++received >= Number(count)) {
          subscription.unsubscribe();
          resolve();
        }
      },
      error(error) {
        console.log(JSON.stringify({ error: described(error) }));
        resolve();
      },
      complete() {
        console.log(JSON.stringify({ complete: true }));
        resolve();
      },
    });
});
client.stop();
