// A page of another origin calling Aura from headless Chromium (playwright-core), run by
// tests/test_cors.py. Arguments: chromium-path page-origin graphql-url token
// The page is served on loopback by this script (http://localhost:PORT, PORT taken from
// `page-origin`), and the fetch to Aura goes over the network, CORS enforced by the
// browser. Prints {"status", "requestId", "body"} or {"error"} as one JSON line.
import { createServer } from "node:http";
import { chromium } from "playwright-core";

const [executablePath, origin, url, token] = process.argv.slice(2);
const site = createServer((request, response) => {
  response.writeHead(200, { "content-type": "text/html" });
  response.end("<!doctype html><title>app</title>");
});
await new Promise((resolve) => site.listen(Number(new URL(origin).port), "127.0.0.1", resolve));
const browser = await chromium.launch({
  executablePath,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
});
try {
  const page = await browser.newPage();
  page.on("console", (message) => console.error("console:", message.text()));
  await page.goto(`${origin}/`);
  const outcome = await page.evaluate(
    async ({ url, token }) => {
      try {
        const response = await fetch(url, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            authorization: `Bearer ${token}`,
            traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            tracestate: "vendor=opaque",
            baggage: "userId=alice",
            "sentry-trace": "4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1",
            "apollographql-client-name": "web",
            "apollographql-client-version": "1.2.3",
            "apollo-require-preflight": "true",
            "x-request-id": "from-the-page",
          },
          body: JSON.stringify({ query: "{ me { email } }" }),
        });
        return {
          status: response.status,
          requestId: response.headers.get("x-request-id"),
          body: await response.json(),
        };
      } catch (error) {
        return { error: String(error) };
      }
    },
    { url, token },
  );
  console.log(JSON.stringify(outcome));
} finally {
  await browser.close();
  site.close();
}
