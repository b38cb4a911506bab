"""Aura: a GraphQL API with realtime subscriptions over PostgreSQL for AI-agent work."""

__version__ = "0.1.0"
