"""The evidence layer: safe names, the manifest, offline verification and the audit log. Qt-free."""
