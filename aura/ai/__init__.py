"""AI providers: what turns text into vectors (and, for analysis, into answers).

This layer knows neither the database nor GraphQL: it takes text and settings and gives
back numbers or text, so every domain above it (knowledge, data review) and the job
workers share one implementation of each provider.
"""
