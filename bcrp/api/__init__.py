"""The API's ground floor: problem details, keyset paging, throttling and the schema's common
parts. Imports no domain app; each app's `api/` package builds on it."""
