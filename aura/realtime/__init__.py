"""Realtime: subscriptions fed by the commit-ordered change stream.

``streams`` says what each subscription field streams and how its arguments filter;
``hub`` holds the one listener connection of the process, loads each batch of changes
once and fans it out; ``subscription`` is one subscriber's state (cursor, bounded
backlog); ``render`` turns a change into the JSON a group of identical subscriptions
receives; ``websocket`` speaks graphql-transport-ws and the legacy graphql-ws protocol.
"""
