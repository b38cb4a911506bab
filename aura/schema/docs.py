"""Description texts that many fields of the API contract share, written once."""

ID = "Unique ID (a UUID)."
CREATED_AT = "When it was created."
UPDATED_AT = "When it last changed."
PROJECT_ID = "ID of the project it belongs to (see `project`)."
METADATA = "Free-form JSON for clients; Aura does not interpret it."
