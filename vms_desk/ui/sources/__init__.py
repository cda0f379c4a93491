"""The source panel: servers and cameras, their live connections, and the server dialog."""
