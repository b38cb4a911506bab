"""Root queries, mutations and subscriptions per domain, and the request context."""
