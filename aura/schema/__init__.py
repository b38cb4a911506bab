"""The API contract: Strawberry types, inputs and enums, one module per domain."""
