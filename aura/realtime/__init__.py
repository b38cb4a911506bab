"""Realtime: subscriptions fed by the commit-ordered change stream.

``gateway`` is all the layer takes from the application (authentication, admission,
contexts, execution, the schema); ``hub`` opens, rechecks and ends subscriptions and
composes the rest: ``listener`` (the one connection of the process that follows
``aura.stream`` and hands on each batch), ``dispatch`` (groups of identical
subscriptions, fan-out), ``replay`` (resuming from a cursor). ``subscription`` is one
subscriber's state (cursor, bounded backlog); ``render`` turns a change into the JSON a
group receives; ``websocket`` speaks graphql-transport-ws and the legacy graphql-ws
protocol. What each subscription field streams, and its SQL, is in ``aura.db.stream``.
"""
