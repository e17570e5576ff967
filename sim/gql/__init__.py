"""GitHub's GraphQL API (`POST /graphql`) over the simulated world.

`schema` loads GitHub's published schema once per process (vendored beside this module, with its
MIT licence, so the installed package needs nothing outside itself) and validates queries against
it; `limits` applies GitHub's query limits and cost formula; `objects` renders world records as
GraphQL objects; `endpoint` answers a POST: authentication, the points budget, faults, execution.
"""
