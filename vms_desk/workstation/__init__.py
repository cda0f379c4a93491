"""The one Qt-free composition root: settings, store, engine with audit, client pool, servers, credentials."""
