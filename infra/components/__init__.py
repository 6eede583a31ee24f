"""Component resources: one per kind of environment database."""
