"""JSON shapes of GitHub REST objects, following the official OpenAPI schemas."""
