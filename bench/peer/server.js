// PostGraphile v4 as the benchmark's peer: library mode behind node's http server, with
// the production options PostGraphile's documentation recommends, under the same
// row-level security as Aura. Started by the harness (bench/servers.py) as
//
//   NODE_PATH=bench/.peer/node_modules node bench/peer/server.js
//
// with its configuration in the environment:
//   PEER_PG_HOST   Unix socket directory of the cluster    PEER_PG_PORT  its port
//   PEER_PG_DB     the database                            PEER_PG_USER  superuser (introspection)
//   PEER_PORT      HTTP port on 127.0.0.1                  PEER_POOL     pool size
//   PEER_SECRET    the JWT secret Aura's tokens are signed with
//
// Every request carries the same `Authorization: Bearer <jwt>` as Aura's: it is verified
// here (HS256, issuer "aura") and its subject becomes `aura.user_id`, so PostGraphile's
// transaction runs as role aura_app with the same principal and the same policies as
// Aura's (Aura looks the role up in the database; here it is the owner's role, USER).
"use strict";

const http = require("http");
const jwt = require("jsonwebtoken");
const { Pool } = require("pg");
const { postgraphile } = require("postgraphile");

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

const secret = env("PEER_SECRET");
const pool = new Pool({
  host: env("PEER_PG_HOST"),
  port: Number(env("PEER_PG_PORT")),
  database: env("PEER_PG_DB"),
  user: env("PEER_PG_USER"),
  max: Number(process.env.PEER_POOL || 16),
});

function principal(req) {
  const header = req.headers.authorization || "";
  const [scheme, token] = header.split(" ");
  if (!token || scheme.toLowerCase() !== "bearer") {
    const error = new Error("sign in: send 'Authorization: Bearer <token>'");
    error.statusCode = 401;
    throw error;
  }
  const claims = jwt.verify(token, secret, { algorithms: ["HS256"], issuer: "aura" });
  return {
    role: "aura_app",
    "aura.user_id": claims.sub,
    "aura.user_role": "USER",
    statement_timeout: "15000",
  };
}

const middleware = postgraphile(pool, "public", {
  // Production options (PostGraphile 4 "For Production" set, without the CLI-only ones).
  retryOnInitFail: false,
  dynamicJson: true,
  setofFunctionsContainNulls: false,
  ignoreRBAC: false,
  extendedErrors: ["errcode"],
  graphiql: false,
  enableQueryBatching: true,
  disableQueryLog: true,
  legacyRelations: "omit",
  watchPg: false,
  disableDefaultMutations: true,
  pgSettings: principal,
});

const server = http.createServer(middleware);
server.keepAliveTimeout = 65000;
server.listen(Number(env("PEER_PORT")), "127.0.0.1", () => {
  process.stdout.write(`postgraphile listening on ${server.address().port}\n`);
});

const stop = () => {
  server.close();
  pool.end().finally(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
