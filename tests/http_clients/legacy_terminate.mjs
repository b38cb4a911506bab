// A subscriptions-transport-ws client (Apollo's legacy protocol) that connects, runs
// one query, and closes the ordinary way (connection_terminate, then the socket).
import { SubscriptionClient } from "subscriptions-transport-ws";
import WebSocket from "ws";

const [url, token, rounds] = process.argv.slice(2);
for (let i = 0; i < Number(rounds || 1); i++) {
  const client = new SubscriptionClient(
    url,
    { connectionParams: { Authorization: `Bearer ${token}` }, reconnect: false },
    WebSocket,
  );
  const result = await new Promise((resolve, reject) => {
    client.request({ query: "{ __typename }" }).subscribe({
      next: resolve,
      error: reject,
    });
  });
  console.log(JSON.stringify(result));
  // A live subscription at the moment of closing, as in an app that navigates away (the
  // server handles a connection's messages in order: it starts before the terminate).
  client.request({ query: "subscription { taskChanged { cursor } }" }).subscribe({});
  client.close();
}
