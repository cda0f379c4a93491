"""The jobs layer: the persistent queue (store + engine), the streaming downloader, backoff, credentials.

Qt-free; the GUI subscribes to the engine's listeners through its own bridge. Import from the modules
themselves (`vms_desk.jobs.engine`, `vms_desk.jobs.records`, ...): this package imports nothing, so that
the window's first paint, which needs only the records, does not wait for the engine and httpx.
"""
