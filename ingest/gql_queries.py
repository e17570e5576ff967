"""The GraphQL queries ghmc sends, as fixed texts (validated against GitHub's schema by the tests).

Every query asks for `rateLimit` (the client paces on its answer as on the headers). A batch
query reads up to 100 nodes by the `node_id`s the REST lists returned; a page query reads the next
page of one node's connection, chosen by `@include` flags, until the connection is complete.
Bots: `author { __typename login }` on `Actor` (a `... on User` spread alone would drop them).
"""

from __future__ import annotations

RATE = "rateLimit { cost limit remaining resetAt used }"
PAGE_INFO = "pageInfo { hasNextPage endCursor }"
REVIEWS = (
    "totalCount " + PAGE_INFO + " nodes { id fullDatabaseId state submittedAt "
    "author { __typename login } commit { oid } }"
)
COMMITS = (
    "totalCount " + PAGE_INFO + " nodes { commit { oid authoredDate committedDate "
    "author { user { __typename login } } } }"
)
TIMELINE_TYPES = "itemTypes: [READY_FOR_REVIEW_EVENT, CONVERT_TO_DRAFT_EVENT]"
TIMELINE = (
    PAGE_INFO + " nodes { __typename ... on ReadyForReviewEvent { id createdAt } "
    "... on ConvertToDraftEvent { id createdAt } }"
)
STATUSES = PAGE_INFO + " nodes { id state createdAt }"

PULL_REQUESTS = f"""query PullRequestDetail($ids: [ID!]!) {{
  {RATE}
  nodes(ids: $ids) {{
    __typename
    id
    ... on PullRequest {{
      fullDatabaseId number title state isDraft createdAt updatedAt closedAt mergedAt
      additions deletions changedFiles baseRefName headRefOid
      author {{ __typename login }}
      repository {{ nameWithOwner }}
      baseRepository {{ nameWithOwner defaultBranchRef {{ name }} }}
      commits(first: 100) {{ {COMMITS} }}
      reviews(first: 100) {{ {REVIEWS} }}
      timelineItems(first: 100, {TIMELINE_TYPES}) {{ {TIMELINE} }}
    }}
  }}
}}"""

PULL_REQUEST_PAGE = f"""query PullRequestPage(
  $id: ID!, $commits: Boolean!, $commitsAfter: String, $reviews: Boolean!,
  $reviewsAfter: String, $timeline: Boolean!, $timelineAfter: String
) {{
  {RATE}
  node(id: $id) {{
    __typename
    id
    ... on PullRequest {{
      number
      repository {{ nameWithOwner }}
      commits(first: 100, after: $commitsAfter) @include(if: $commits) {{ {COMMITS} }}
      reviews(first: 100, after: $reviewsAfter) @include(if: $reviews) {{ {REVIEWS} }}
      timelineItems(first: 100, after: $timelineAfter, {TIMELINE_TYPES})
        @include(if: $timeline) {{ {TIMELINE} }}
    }}
  }}
}}"""

DEPLOYMENTS = f"""query DeploymentStatuses($ids: [ID!]!) {{
  {RATE}
  nodes(ids: $ids) {{
    __typename
    id
    ... on Deployment {{
      environment createdAt commitOid
      repository {{ nameWithOwner }}
      statuses(first: 100) {{ {STATUSES} }}
    }}
  }}
}}"""

DEPLOYMENT_PAGE = f"""query DeploymentStatusesPage($id: ID!, $statusesAfter: String) {{
  {RATE}
  node(id: $id) {{
    __typename
    id
    ... on Deployment {{
      repository {{ nameWithOwner }}
      statuses(first: 100, after: $statusesAfter) {{ {STATUSES} }}
    }}
  }}
}}"""

PR_CONNECTIONS = ("commits", "reviews", "timeline")
"""The paged connections of a PR, by their page-query flag names (`timeline` = timelineItems)."""
FIELD_OF = {"commits": "commits", "reviews": "reviews", "timeline": "timelineItems"}
