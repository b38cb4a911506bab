"""Who is asking: bearer tokens and the principal they name."""
