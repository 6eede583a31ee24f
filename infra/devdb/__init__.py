"""The developer's local database, whatever the engine: engine choice and the native cluster's lifecycle."""
