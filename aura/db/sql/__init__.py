"""SQL text built by hand from the entity mapping: fast to build, parameters numbered.

SQLAlchemy describes the tables; building statements here as strings avoids its
compilation cost on every request (a GraphQL request builds a few statements, each in
microseconds). Identifiers come only from the mapping, values only as parameters.
"""
