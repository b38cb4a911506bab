"""The GraphQL engine, below the domains.

Everything that is the same for every entity and every transport lives here: the
request context, admission (parse, validate, document limits, cost, token scopes),
error presentation, the generic connection / relationship / by-id / CRUD field
factories, the lean executor, selection analysis and the scalars. Domains describe
their types in ``aura.schema`` and their root fields in ``aura.resolvers``; they
never reach below into this package's private names.
"""
